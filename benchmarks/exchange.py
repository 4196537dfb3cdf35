"""What gathering every process's batch rows adds to a training step under `learn.distrib_ctx()`.

    python benchmarks/exchange.py            # launches itself in 2 CPU processes (gloo), prints the table

Each process trains ELR (or ELR+) on random data with the exchange on in even steps and off in odd ones
(off: each process updates only its own rows, the step otherwise the same), so that a shared machine's load
hits both alike, and times every training step (`before_batch` to `after_batch`: forward, backward with DDP's
gradient all-reduce, optimizer step). The gather is also timed alone."""
import argparse, os, statistics, sys, time, warnings
from pathlib import Path
import torch, torch.nn as nn
import torch.distributed as dist
from fastai.basics import Learner, Callback, Datasets, CrossEntropyLossFlat, rank_distrib, num_distrib, set_seed
import fastai.distributed  # `Learner.distrib_ctx`
import fastai_elr.callback, fastai_elr.plus
from fastai_elr.callback import ELRCallback
from fastai_elr.plus import ELRPlusCallback
from fastai_elr.distributed import launch, row_exchange, gather_rows

ON = [True]
def switched(learn): return row_exchange(learn) if ON[0] else None
fastai_elr.callback.row_exchange = fastai_elr.plus.row_exchange = switched

class StepClock(Callback):
    "Wall time of every training step, filed under whether the exchange was on; the exchange switched every step"
    order = -100
    def __init__(self): self.times = {True: [], False: []}
    def before_batch(self):
        if self.training: ON[0], self.t = self.iter % 2 == 0, (time.perf_counter(), time.process_time())   # alike in every process
    def after_batch(self):
        if self.training and self.epoch > 0:   # one warm-up epoch
            self.times[ON[0]].append((time.perf_counter() - self.t[0], time.process_time() - self.t[1]))

def model(d, c, width):
    return nn.Sequential(nn.Linear(d, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, c))

def run(method, d, c, width, n, bs, epochs):
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(n + 64, d, generator=g), torch.randint(0, c, (n + 64,), generator=g)
    ds = Datasets(list(range(n + 64)), tfms=[[lambda i: x[i]], [lambda i: y[i]]], splits=[list(range(n)), list(range(n, n + 64))])
    set_seed(0)
    cb = ELRCallback() if method == 'elr' else ELRPlusCallback(mixup=False)
    clock = StepClock()
    learn = Learner(ds.dataloaders(bs=bs), model(d, c, width), loss_func=CrossEntropyLossFlat(), cbs=[cb, clock])
    with learn.distrib_ctx(), learn.no_bar(), learn.no_logging(): learn.fit(epochs, 1e-3)
    return clock.times

def gather_time(bs, c, k, reps=200):
    "Median seconds of `gather_rows` alone on a batch of `bs` rows and `k` probability tensors of `c` classes"
    idx, probs, y = torch.arange(bs), [torch.rand(bs, c) for _ in range(k)], torch.zeros(bs, dtype=torch.long)
    ts = []
    for _ in range(reps):
        dist.barrier(); t = time.perf_counter(); gather_rows(idx, probs, y); ts.append(time.perf_counter() - t)
    return statistics.median(ts)

CONFIGS = [  # method, inputs, classes, hidden width, items, batch size per process
    ('elr', 64, 10, 256, 8192, 64), ('elr', 64, 1000, 256, 8192, 64), ('elr', 512, 1000, 1024, 8192, 64),
    ('plus', 64, 10, 256, 8192, 64), ('plus', 512, 1000, 1024, 8192, 64)]

def worker(epochs):
    torch.set_num_threads(1)
    rows = []
    for method, d, c, width, n, bs in CONFIGS:
        times = run(method, d, c, width, n, bs, epochs)
        (on, con), (off, coff) = [[statistics.median(t[j] for t in times[k]) for j in (0, 1)] for k in (True, False)]
        g = gather_time(bs, c, 1 if method == 'elr' else 2)
        rows.append(f"{method:4s} {d:4d} {c:5d} {width:5d} {bs:3d} | {off*1e3:7.2f} {on*1e3:7.2f} {on/off:6.3f} | "
                    f"{coff*1e3:7.2f} {con*1e3:7.2f} {con/coff:6.3f} | {g*1e3:6.3f}")
    if rank_distrib() == 0:
        print(f"{num_distrib()} processes, backend {dist.get_backend()}, 1 thread each; median ms per training step of rank 0 "
              f"({len(times[True])} steps with the exchange, {len(times[False])} without, interleaved)")
        print("                             |        wall time        |        CPU time         | gather")
        print("meth   in classes width  bs | without    with  ratio | without    with  ratio |  alone")
        print('\n'.join(rows))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--epochs', type=int, default=6, help='epochs per configuration (the first is warm-up)')
    p.add_argument('--procs', type=int, default=2)
    args = p.parse_args()
    warnings.filterwarnings('ignore')
    if 'LOCAL_RANK' in os.environ: worker(args.epochs)
    else: sys.exit(launch(args.procs, [Path(__file__).resolve(), '--epochs', args.epochs], env={'OMP_NUM_THREADS': '1'}).returncode)
