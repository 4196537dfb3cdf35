"""ELR against ELR+ on noisy digits and a Fashion-MNIST subset: clean test accuracy and wall time per epoch, side by side.

    python benchmarks/plus_vs_elr.py                       # both datasets, 40% and 80% symmetric noise
    python benchmarks/plus_vs_elr.py --data digits --rates 0.4 --epochs 20
"""
import argparse, time
import torch, torch.nn as nn
from fastai.vision.all import Learner, accuracy, set_seed, Flatten
from fastai_elr.callback import ELRCallback
from fastai_elr.plus import ELRPlusCallback
from fastai_elr.data import digits_dls, fashion_mnist_dls

def mlp(): return nn.Sequential(Flatten(), nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))

def cnn():
    def block(ni, nf): return nn.Sequential(nn.Conv2d(ni, nf, 3, padding=1), nn.BatchNorm2d(nf), nn.ReLU(), nn.MaxPool2d(2))
    return nn.Sequential(block(1, 16), block(16, 32), block(32, 32), nn.AdaptiveAvgPool2d(1), Flatten(), nn.Linear(32, 10))

DATA = {  # loaders, model, epochs, learning rate
    'digits':  (lambda rate, seed: digits_dls(rate, seed=seed, bs=64), mlp, 40, 3e-3),
    'fashion': (lambda rate, seed: fashion_mnist_dls(rate, seed=seed, n_train=3000, n_valid=1000, bs=64), cnn, 10, 3e-3),
}

def train(data, rate, method, seed=0, epochs=None, ema_frac=0.5, ema_window=1.):
    "Train one method; return (clean test accuracy, wall seconds per epoch, CPU seconds per epoch)"
    make_dls, model, n_ep, lr = DATA[data]
    n_ep = epochs or n_ep
    set_seed(seed, reproducible=True)   # before the loaders too: each run independent of the runs before it
    dls = make_dls(rate, seed)
    set_seed(seed, reproducible=True)
    # The paper's EMA (ealpha=0.997, about 330 steps) averages over about one CIFAR epoch and ramps up over 40000 of
    # ~59000 steps; runs this short keep the same proportions: a window of `ema_window` epochs, a ramp of `ema_frac`.
    plus = dict(ealpha=1 - 1 / (ema_window * len(dls.train)), ema_step=int(ema_frac * n_ep * len(dls.train)))
    cb = ELRCallback() if method == 'ELR' else ELRPlusCallback(**plus)
    learn = Learner(dls, model(), metrics=accuracy, cbs=cb)
    wall, cpu = time.perf_counter(), time.process_time()
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(n_ep, lr)
    wall, cpu = (time.perf_counter() - wall) / n_ep, (time.process_time() - cpu) / n_ep
    with learn.no_bar(): acc = learn.validate()[1]
    return acc, wall, cpu

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data', nargs='+', default=list(DATA), choices=list(DATA))
    p.add_argument('--rates', nargs='+', type=float, default=[0.4, 0.8])
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--epochs', type=int, default=None, help="override each dataset's number of epochs")
    p.add_argument('--ema-frac', type=float, default=0.5, help="EMA ramp length as a fraction of the training steps")
    p.add_argument('--ema-window', type=float, default=1., help="EMA averaging window in epochs (sets ealpha)")
    p.add_argument('--threads', type=int, default=1, help="torch CPU threads (one is fastest for models this small)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    # on a shared machine wall time swings with the load; CPU time (one thread) measures the work itself
    print(f"{'data':8} {'noise':>5} {'ELR acc':>8} {'ELR+ acc':>8} {'ELR s/ep':>8} {'ELR+ s/ep':>9} {'ratio':>5} "
          f"{'ELR cpu/ep':>10} {'ELR+ cpu/ep':>11} {'ratio':>5}")
    for data in a.data:
        for rate in a.rates:
            (acc0, t0, c0), (acc1, t1, c1) = (train(data, rate, m, a.seed, a.epochs, a.ema_frac, a.ema_window) for m in ('ELR', 'ELR+'))
            print(f"{data:8} {rate:5.0%} {acc0:8.4f} {acc1:8.4f} {t0:8.2f} {t1:9.2f} {t1/t0:5.2f} {c0:10.2f} {c1:11.2f} {c1/c0:5.2f}",
                  flush=True)

if __name__ == '__main__': main()
