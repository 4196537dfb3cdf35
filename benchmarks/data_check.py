"""What checking every image file costs before a run starts (`fastai_elr.data.check_images`: PIL reads each header and
checks its chunks, without decoding): N Fashion-MNIST training images written as PNGs in one folder per class, then
checked, wall and CPU seconds per pass and per file.

    python benchmarks/data_check.py --n 60000 --repeats 3
"""
import argparse, json, os, tempfile, time
from pathlib import Path
import numpy as np
from PIL import Image
from fastai_elr.data import read_idx, fashion_mnist_files, check_images

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n', type=int, default=60000)
    p.add_argument('--repeats', type=int, default=3)
    a = p.parse_args()
    files = fashion_mnist_files()
    x, y = read_idx(files[0])[:a.n], read_idx(files[1])[:a.n]
    with tempfile.TemporaryDirectory() as d:
        fs = []
        for i, (img, lab) in enumerate(zip(x, y)):
            f = Path(d)/str(lab)/f'{i}.png'; f.parent.mkdir(exist_ok=True)
            Image.fromarray(img).save(f); fs.append(str(f))
        passes = []
        for _ in range(a.repeats):
            w, c = time.perf_counter(), time.process_time()
            check_images(fs)
            passes.append(dict(wall_s=time.perf_counter() - w, cpu_s=time.process_time() - c))
    res = dict(n=len(fs), passes=passes, us_per_file_wall=[round(1e6 * q['wall_s'] / len(fs), 1) for q in passes])
    for q in passes: print(f"{len(fs)} files: {q['wall_s']:.2f} s wall, {q['cpu_s']:.2f} s CPU ({1e6 * q['wall_s'] / len(fs):.0f} us a file)")
    Path(__file__).with_suffix('.json').write_text(json.dumps(res, indent=1))
