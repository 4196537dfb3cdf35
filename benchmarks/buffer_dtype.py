"""What storing the target buffer(s) in bfloat16 or float16 does to ELR and ELR+: clean test accuracy and
mislabel detection (flags: target argmax != given label; ranking: target disbelief) against float32, same seeds.

    python benchmarks/buffer_dtype.py --data digits --method elr --seeds 0 1 2
    python benchmarks/buffer_dtype.py --data fashion_mnist --n-train 10000 --epochs 15"""
import argparse, statistics, time, warnings
import numpy as np, torch
import sklearn.metrics as skm
from fastai.vision.all import *
from fastai_elr.all import *

DTYPES = ('float32', 'bfloat16', 'float16')

def mlp(d): return nn.Sequential(Flatten(), nn.Linear(d, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))

def one_run(args, seed, dtype):
    "(accuracy, F1 of the flags, AUROC of the scores, flags) of one training"
    set_seed(seed, reproducible=True)   # before the loaders: the same shuffling for every dtype
    dls = (digits_dls(args.rate, seed=seed) if args.data == 'digits' else
           fashion_mnist_dls(args.rate, seed=seed, n_train=args.n_train, bs=128))
    cb = ELRCallback(dtype=dtype) if args.method == 'elr' else ELRPlusCallback(dtype=dtype, ema_step=len(dls.train), coef_step=len(dls.train) * args.epochs // 2)
    learn = Learner(dls, mlp(dls.one_batch()[0][0].numel()), metrics=accuracy, cbs=cb)
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(args.epochs, args.lr)
    with learn.no_bar(): acc = learn.validate()[1]
    wrong, flags = dls.noise.mask, np.zeros(len(dls.train_ds), bool)
    flags[cb.mislabeled().numpy()] = True
    scores = cb.scores().float().nan_to_num(0.).numpy()
    return acc, skm.f1_score(wrong, flags), skm.roc_auc_score(wrong, scores), flags

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--data', default='digits', choices=['digits', 'fashion_mnist'])
    p.add_argument('--method', default='elr', choices=['elr', 'plus'])
    p.add_argument('--rate', type=float, default=0.4)
    p.add_argument('--n-train', type=int, default=10000)
    p.add_argument('--epochs', type=int, default=40)
    p.add_argument('--lr', type=float, default=3e-3)
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    args = p.parse_args()
    warnings.filterwarnings('ignore')
    torch.set_num_threads(1)
    print(f"{args.data}, {args.method}, {args.rate:.0%} symmetric noise, MLP, {args.epochs} epochs one-cycle lr {args.lr}, seeds {args.seeds}")
    res = {dt: [] for dt in DTYPES}
    for seed in args.seeds:
        t = time.perf_counter()
        runs = {dt: one_run(args, seed, dt) for dt in DTYPES}   # interleaved by seed
        for dt, (acc, f1, auc, flags) in runs.items():
            same = (flags & runs['float32'][3]).sum() / max((flags | runs['float32'][3]).sum(), 1)
            res[dt].append((acc, f1, auc, same))
            print(f"seed {seed} {dt:9s} accuracy {acc:.4f}  flags F1 {f1:.4f}  AUROC {auc:.4f}  flags shared with float32 {same:.3f}")
        print(f"  ({time.perf_counter() - t:.0f} s)", flush=True)
    print("\nmean over seeds (and the largest per-seed difference from float32)")
    for dt in DTYPES:
        m = np.array(res[dt]); d = np.abs(m[:, :3] - np.array(res['float32'])[:, :3]).max(0)
        print(f"{dt:9s} accuracy {m[:, 0].mean():.4f} ({d[0]:.4f})  F1 {m[:, 1].mean():.4f} ({d[1]:.4f})  "
              f"AUROC {m[:, 2].mean():.4f} ({d[2]:.4f})  flags shared with float32 {m[:, 3].mean():.3f}")
