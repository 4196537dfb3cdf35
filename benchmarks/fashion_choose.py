"""The Fashion-MNIST defaults of `elr_train` chosen on a validation split, never on the test items: ELR at 40% symmetric
noise trained on 50,000 of the 60,000 training items (seeded), each candidate (epochs, batch size, learning rate) scored
on the other 10,000 training items against their clean labels, with its wall and CPU seconds.

    python benchmarks/fashion_choose.py                                  # every candidate, seed 0, torch's threads
    python benchmarks/fashion_choose.py --only 15/128/0.01 10/128/0.01 8/128/0.01 --seeds 1

The network, optimizer, method and schedule are those of `elr_train --data fashion_mnist --percent 0.4` (the
settings `elr_train` resolves, with the candidate's epochs, batch size and learning rate); the loaders are the same
array loaders. Printed per run: the validation accuracy at the last epoch, the detection AUROC of ELR's disbelief on
the 50,000 training items (which of them have a wrong label), wall and CPU seconds of the fit, and the load average.
"""
import argparse, os, time
from fastai_elr.cli import calm_threads, parser, settings
calm_threads()   # as elr_train: before torch loads
import numpy as np
from sklearn.metrics import roc_auc_score
from fastai.vision.all import set_seed
from fastai_elr.data import load_fashion_mnist_arrays, arrays_dls, FASHION_MNIST_CLASSES
from fastai_elr.noise import make_noise, symmetric_noise
from fastai_elr.run import make_learner, method_callbacks
from fastai_elr.callback import ELRCallback

CANDIDATES = ['15/128/0.01', '12/128/0.01', '10/128/0.01', '15/256/0.02', '12/256/0.02', '10/256/0.02', '10/256/0.01']

def split(seed, n_valid=10_000):
    "Training images, noise on 50,000 of them, and the other items' images and clean labels"
    xt, yt, _, _ = load_fashion_mnist_arrays()
    perm = np.random.default_rng(seed).permutation(len(xt))
    tr, va = perm[n_valid:], perm[:n_valid]
    noise = make_noise(symmetric_noise, yt[tr].astype(np.int64), 0.4, n_classes=10, seed=seed)
    return xt[tr], noise, xt[va], yt[va]

def run(cand, seed, data):
    epochs, bs, lr = cand.split('/')
    cfg, _, _ = settings(parser().parse_args(['--data', 'fashion_mnist', '--percent', '0.4', '--epochs', epochs, '--bs', bs, '--lr', lr,
                                              '--seed', str(seed), '--out', '/tmp/unused']))
    x, noise, xv, yv = data
    set_seed(seed)
    dls = arrays_dls(x, noise.noisy, xv, yv, vocab=FASHION_MNIST_CLASSES, noise=noise, bs=cfg['bs'], seed=seed)
    learn = make_learner(cfg, dls, cbs=method_callbacks(cfg))
    w, c = time.perf_counter(), time.process_time()
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(cfg['epochs'], cfg['lr'])
    wall, cpu = time.perf_counter() - w, time.process_time() - c
    cb = next(cb for cb in learn.cbs if isinstance(cb, ELRCallback))
    auroc = roc_auc_score(noise.mask, np.nan_to_num(cb.scores().cpu().numpy()))
    return learn.recorder.values[-1][2], auroc, wall, cpu

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--only', nargs='+', default=CANDIDATES, help="candidates as epochs/batch size/learning rate")
    p.add_argument('--seeds', nargs='+', type=int, default=[0])
    a = p.parse_args()
    print(f"cores: {os.cpu_count()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}", flush=True)
    for seed in a.seeds:
        data = split(seed)
        for cand in a.only:
            acc, auroc, wall, cpu = run(cand, seed, data)
            print(f"{cand:12s} seed {seed}  validation accuracy {acc:.4f}  AUROC {auroc:.4f}  fit wall {wall:5.0f} s  CPU {cpu:5.0f} s  "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
