"""What checking the identity of per-item state costs: the keys and labels of 60,000 training items (made
at the start of every training epoch and on `learn.load`), matching them against a shuffled copy, and
moving a 60,000 x 10 state's rows to their items. One thread; the median of `--repeats` runs.

    python benchmarks/identity_cost.py
    python benchmarks/identity_cost.py --n 60000 --repeats 5"""
import argparse, statistics, time, warnings
from pathlib import Path
import numpy as np, pandas as pd, torch
from types import SimpleNamespace
from fastai.vision.all import DataBlock, TransformBlock, CategoryBlock, ColReader, ColSplitter, RandomSplitter, parent_label
from fastai_elr.data import arrays_dls, array_refs, FASHION_MNIST_CLASSES
from fastai_elr.identity import train_identity, match_identity, permute_rows

def timed(f, repeats):
    "(median wall s, median CPU s, last result) of `repeats` calls of `f`"
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        res = f()
        walls.append(time.perf_counter() - w); cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), res

def loaders(n, rng):
    "Training sets of `n` items as the package's loaders and fastai's own make them (the inputs are not read: the check reads only items and labels)"
    x, y = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n)
    xv, yv = x[:16], y[:16]
    names = [f'img/{FASHION_MNIST_CLASSES[c].replace("/", "_")}/{i:06d}.png' for i, c in enumerate(y)]
    df = pd.DataFrame({'fname': names, 'label': [FASHION_MNIST_CLASSES[c] for c in y], 'is_valid': False})
    df.loc[:15, 'is_valid'] = True
    yield 'arrays, named items (fashion_mnist:i)', arrays_dls(x, y, xv, yv, vocab=FASHION_MNIST_CLASSES, item_ids=array_refs('fashion_mnist', range(n)))
    yield 'arrays, keyed by their bytes', arrays_dls(x, y, xv, yv, vocab=FASHION_MNIST_CLASSES)
    db = DataBlock(blocks=(TransformBlock, CategoryBlock), get_x=ColReader('fname'), get_y=ColReader('label'), splitter=ColSplitter('is_valid'))
    yield 'DataFrame of files (from_df)', SimpleNamespace(train_ds=db.datasets(df).train)
    db = DataBlock(blocks=(TransformBlock, CategoryBlock), get_y=parent_label, splitter=RandomSplitter(16 / n, seed=0))
    yield 'list of paths, parent_label (from_folder)', SimpleNamespace(train_ds=db.datasets([Path(f) for f in names]).train)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=60_000); ap.add_argument('--repeats', type=int, default=5); ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(1); warnings.simplefilter('ignore')
    rng = np.random.default_rng(args.seed)
    print(f"{args.n:,} items, 1 thread, median of {args.repeats}; seed {args.seed}")
    print(f"{'training set':45s} {'keys+labels wall s':>18s} {'CPU s':>7s} {'match shuffled':>15s} {'CPU s':>7s}")
    for name, dls in loaders(args.n, rng):
        learn = SimpleNamespace(dls=dls)
        w, c, ident = timed(lambda: train_identity(learn), args.repeats)
        assert ident['labels'] is not None and len(ident['keys']) == len(dls.train_ds)
        p = torch.from_numpy(rng.permutation(len(ident['keys'])))
        shuffled = {k: v[p] for k, v in ident.items()}
        mw, mc, perm = timed(lambda: match_identity(ident, shuffled, 'state', ''), args.repeats)
        assert torch.equal(ident['keys'][perm], shuffled['keys'])
        print(f"{name:45s} {w:18.3f} {c:7.3f} {mw:15.3f} {mc:7.3f}")
    state = {'target': torch.rand(args.n, 10), 'labels': torch.zeros(args.n, dtype=torch.long)}
    w, c, _ = timed(lambda: permute_rows(state, perm), args.repeats)
    print(f"moving a {args.n:,} x 10 float32 state's rows to their items: {w:.3f} s wall, {c:.3f} s CPU")
    print(f"stored with the state: 16 bytes per item ({16 * args.n / 1e6:.2f} MB)")
