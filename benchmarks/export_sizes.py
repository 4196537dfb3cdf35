"Sizes of `learn.export()` files for each callback, against plain fastai: `python benchmarks/export_sizes.py [--arch resnet10t]`"
import argparse, tempfile, warnings
from pathlib import Path
from fastai.vision.all import vision_learner, accuracy
from fastai_elr.all import ELRCallback, ELRPlusCallback, SOPCallback, digits_dls, plain_learner

def main(arch='resnet10t'):
    dls = digits_dls(0.4, seed=0)   # the exported loaders are empty: the data does not change the size
    rows = {}
    with tempfile.TemporaryDirectory() as d, warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for name, cb in [('plain fastai', None), ('ELR', ELRCallback()), ('SOP', SOPCallback()), ('ELR+ (both networks, averaged)', ELRPlusCallback())]:
            learn = vision_learner(dls, arch, pretrained=False, n_in=1, metrics=accuracy, cbs=cb, path=d)
            learn.export('m.pkl'); rows[name] = (Path(d)/'m.pkl').stat().st_size
        plain_learner(learn, 0).export('m.pkl'); rows['ELR+ (network 0: plain_learner(learn, 0))'] = (Path(d)/'m.pkl').stat().st_size
    base = rows['plain fastai']
    print(f"learn.export() of vision_learner({arch!r}) on 10 classes, one channel")
    for k, v in rows.items(): print(f"{k:45s} {v/1e6:7.2f} MB  {v/base:5.2f}x")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__); p.add_argument('--arch', default='resnet10t')
    main(p.parse_args().arch)
