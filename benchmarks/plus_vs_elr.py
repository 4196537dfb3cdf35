"""ELR against ELR+ on noisy digits and Fashion-MNIST: clean test accuracy over seeds, and time per epoch side by side.

    python benchmarks/plus_vs_elr.py                                     # both datasets, 40% and 80% noise, seeds 0-2
    python benchmarks/plus_vs_elr.py --data digits --rates 0.4 --seeds 0 --epochs 20
    python benchmarks/plus_vs_elr.py --alternate 8                       # time only: 8 epochs of each, in turn
    python benchmarks/plus_vs_elr.py --alternate 3 --data fashion_fast   # the same for `cnn_fast` on 20,000 items
    python benchmarks/plus_vs_elr.py --costs                             # time one training step and one teacher pass

Each seed makes one noisy copy of the labels and trains ELR, then ELR+, on it; accuracy is on the clean test labels.
Time per epoch (training and validation, one torch thread) is the median over the epochs of each run, so a load spike
on a shared machine does not count; the ratio compares the two runs of the same seed.
"""
import argparse, statistics, time
import torch, torch.nn as nn
from fastai.vision.all import Learner, Callback, accuracy, set_seed, Flatten
from fastai_elr.callback import ELRCallback
from fastai_elr.plus import ELRPlusCallback
from fastai_elr.data import digits_dls, fashion_mnist_dls
from overhead import mlp   # the digits MLP of the overhead benchmark (this folder is on the path of a script run from it)
from sop_table import light_aug
from fastai_elr.run import cnn as cnn_fast

def cnn():
    def block(ni, nf): return nn.Sequential(nn.Conv2d(ni, nf, 3, padding=1), nn.BatchNorm2d(nf), nn.ReLU(), nn.MaxPool2d(2))
    return nn.Sequential(block(1, 16), block(16, 32), block(32, 32), nn.AdaptiveAvgPool2d(1), Flatten(), nn.Linear(32, 10))

DATA = {  # loaders, model, epochs, learning rate
    'digits':  (lambda rate, seed: digits_dls(rate, seed=seed, bs=64), mlp, 80, 3e-3),
    'fashion': (lambda rate, seed: fashion_mnist_dls(rate, seed=seed, n_train=3000, n_valid=1000, bs=64), cnn, 60, 3e-3),
    'fashion_fast': (lambda rate, seed: fashion_mnist_dls(rate, seed=seed, n_train=20000, bs=128, batch_tfms=light_aug()),
                     lambda: cnn_fast(1, 10, first_stride=2), 15, 1e-2),   # the CNN rows of `sop_table.py`
}

class EpochTimes(Callback):
    "Wall and CPU seconds of each epoch of a fit (training and validation)"
    def before_fit(self): self.times, self.cpu_s = getattr(self, "times", []), getattr(self, "cpu_s", [])   # `cpu` would reach the learner
    def before_epoch(self): self.start, self.cstart = time.perf_counter(), time.process_time()
    def after_epoch(self): self.times.append(time.perf_counter() - self.start); self.cpu_s.append(time.process_time() - self.cstart)

def learner(data, rate, method, seed=0, n_ep=None, ema_frac=0.5, ema_window=1.):
    "A learner for one method on one seed's noisy copy of `data`"
    make_dls, model, _, _ = DATA[data]
    set_seed(seed, reproducible=True)   # before the loaders too: each run independent of the runs before it
    dls = make_dls(rate, seed)
    set_seed(seed, reproducible=True)
    # The paper's EMA (ealpha=0.997, about 330 steps) averages over about one CIFAR epoch and ramps up over 40000 of
    # ~78000 steps; runs this short keep the same proportions: a window of `ema_window` epochs, a ramp of `ema_frac`.
    plus = dict(ealpha=1 - 1 / (ema_window * len(dls.train)), ema_frac=ema_frac)   # ELRPlusCallback()'s defaults: 1 epoch, 0.5
    cb = ELRCallback() if method == 'ELR' else ELRPlusCallback(**plus)
    learn = Learner(dls, model(), metrics=accuracy, cbs=cb)
    if data != 'digits': learn.to_channelslast(use_amp=False)   # the faster memory layout for convolutions on CPU
    return learn

def train(data, rate, method, seed=0, epochs=None, ema_frac=0.5, ema_window=1.):
    "Train one method; return (clean test accuracy, median wall seconds per epoch)"
    _, _, n_ep, lr = DATA[data]
    n_ep = epochs or n_ep
    learn = learner(data, rate, method, seed, n_ep, ema_frac, ema_window)
    timer = EpochTimes()
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(n_ep, lr, cbs=timer)
    with learn.no_bar(): acc = learn.validate()[1]
    return acc, statistics.median(timer.times)

def step_costs(data, reps=30):
    "Seconds of one network's training step (forward, backward, Adam) and of one teacher forward, median of `reps`"
    make_dls, model, _, _ = DATA[data]
    x, y = (t.as_subclass(torch.Tensor) for t in make_dls(0.4, 0).one_batch())   # plain tensors: no fastai dispatch
    net, teacher = model(), model()
    if data != 'digits': net, teacher = (m.to(memory_format=torch.channels_last) for m in (net, teacher))
    opt = torch.optim.Adam(net.parameters())
    def step():
        opt.zero_grad(); nn.functional.cross_entropy(net(x), y).backward(); opt.step()
    def teach():
        with torch.no_grad(): teacher(x).softmax(1)
    def median_time(f):
        f(); ts = []
        for _ in range(reps): t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
        return statistics.median(ts)
    return median_time(step), median_time(teach)

def alternate(data, repeats=8):
    "Median wall and CPU seconds per epoch of ELR and ELR+, their epochs taken in turn so both meet the same machine load"
    learns = [learner(data, 0.4, m, n_ep=repeats + 1) for m in ('ELR', 'ELR+')]
    timers = [EpochTimes() for _ in learns]
    for i in range(repeats + 1):   # the first epoch of each warms up and is not counted
        for learn, timer in zip(learns, timers):
            with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3, cbs=timer if i else None)
    return [(statistics.median(t.times), statistics.median(t.cpu_s)) for t in timers]

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data', nargs='+', default=list(DATA), choices=list(DATA))
    p.add_argument('--rates', nargs='+', type=float, default=[0.4, 0.8])
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--epochs', type=int, default=None, help="override each dataset's number of epochs")
    p.add_argument('--ema-frac', type=float, default=0.5, help="EMA ramp length as a fraction of the training steps")
    p.add_argument('--ema-window', type=float, default=1., help="EMA averaging window in epochs (sets ealpha)")
    p.add_argument('--threads', type=int, default=1, help="torch CPU threads (one is fastest for models this small)")
    p.add_argument('--costs', action='store_true', help="only time one training step and one teacher forward per model")
    p.add_argument('--alternate', type=int, default=0, metavar='N', help="only time N epochs of each method, taken in turn")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.costs:  # ELR+ does per batch two training steps and two teacher forwards where ELR does one training step
        for data in a.data:
            t, f = step_costs(data)
            print(f"{data:8} training step {t*1e3:6.2f} ms, teacher forward {f*1e3:6.2f} ms: "
                  f"ELR+/ELR compute per batch (2T+2F)/T = {(2*t + 2*f) / t:.2f}")
        return
    if a.alternate:
        for data in a.data:
            (t0, c0), (t1, c1) = alternate(data, a.alternate)
            print(f"{data:8} median seconds per epoch, {a.alternate} epochs each in turn: wall ELR {t0:.2f}, ELR+ {t1:.2f}, "
                  f"ratio {t1/t0:.2f}; CPU ELR {c0:.2f}, ELR+ {c1:.2f}, ratio {c1/c0:.2f}", flush=True)
        return
    print(f"{'data':8} {'noise':>5} {'seed':>4} {'ELR acc':>8} {'ELR+ acc':>8} {'ELR s/ep':>8} {'ELR+ s/ep':>9} {'ratio':>5}")
    for data in a.data:
        for rate in a.rates:
            runs = []
            for seed in a.seeds:
                (acc0, t0), (acc1, t1) = (train(data, rate, m, seed, a.epochs, a.ema_frac, a.ema_window) for m in ('ELR', 'ELR+'))
                runs.append((acc0, acc1, t1 / t0))
                print(f"{data:8} {rate:5.0%} {seed:4} {acc0:8.4f} {acc1:8.4f} {t0:8.2f} {t1:9.2f} {t1/t0:5.2f}", flush=True)
            e, ep, r = zip(*runs)
            print(f"{data:8} {rate:5.0%} mean {statistics.mean(e):8.4f} {statistics.mean(ep):8.4f} "
                  f"(ELR+ ahead in {sum(b > a for a, b in zip(e, ep))} of {len(runs)} seeds) ratio {statistics.mean(r):.2f}", flush=True)

if __name__ == '__main__': main()
