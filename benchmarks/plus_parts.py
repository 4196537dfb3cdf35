"""ELR+'s time per epoch, part by part, against ELR's, on the CNN of `elr_train` (cnn_fast on 20,000 Fashion-MNIST items,
batches of 128, channels-last, one torch thread unless told).

    python benchmarks/plus_parts.py                  # 2 timed epochs of each method (after a warm-up), taken in turn
    python benchmarks/plus_parts.py --epochs 3 --threads 2
    python benchmarks/plus_parts.py --methods ELR ELR+ --glibc-defaults   # without ELR+'s allocator thresholds

Each part is timed inside the real training loop by wrapping the code that does it (a network's forward, the teachers'
forward, the EMA update, mixup, the targets and loss, backward, the optimizer step); what is left is fastai's loop and
the loaders. The switches `ELRPlusCallback(ema=False)`, `(mixup=False)` and `(second_net=False)` are timed as whole
epochs too. Epochs are taken in turn (ELR, ELR+, ..., ELR, ELR+, ...) so that a load on the machine hits all alike;
each figure is the median over the timed epochs: CPU seconds for the parts (a busy machine stretches wall time, not
CPU time), wall and CPU seconds for whole epochs.
"""
import argparse, statistics, time, warnings
from collections import defaultdict
import torch
from fastai.vision.all import Learner, Callback, accuracy, set_seed
from fastai_elr.callback import ELRCallback
from fastai_elr.plus import ELRPlusCallback, ELRPlusModel
import fastai_elr.plus as plus
from fastai_elr.data import fashion_mnist_dls
from fastai_elr.run import cnn
from sop_table import light_aug   # this folder is on the path of a script run from it

METHODS = {'CE': lambda: [], 'ELR': lambda: [ELRCallback()], 'ELR+': lambda: [ELRPlusCallback()],
           'ELR+ ema=False': lambda: [ELRPlusCallback(ema=False)], 'ELR+ mixup=False': lambda: [ELRPlusCallback(mixup=False)],
           'ELR+ second_net=False': lambda: [ELRPlusCallback(second_net=False)]}

class Parts(Callback):
    "CPU seconds per training epoch spent in each wrapped part; the epoch's wall and CPU seconds"
    order = -100
    def __init__(self): self.epochs = []
    def before_fit(self):
        if getattr(self, 'wrapped', False): return
        self.wrapped, learn, model = True, self.learn, self.learn.model
        nets = model.nets if isinstance(model, ELRPlusModel) else [model]
        for k, n in enumerate(nets): self.wrap(n, 'forward', f'network {k + 1} forward (training)')
        if isinstance(model, ELRPlusModel) and model.emas is not None:
            for e in model.emas: self.wrap(e.module, 'forward', 'teachers forward'); self.wrap(e, 'update', 'EMA update')
        for cb in learn.cbs:
            if getattr(type(cb), 'handles_noise', False):
                for ev in ('before_batch', 'after_loss', 'after_step'):
                    if hasattr(type(cb), ev): self.wrap(cb, ev, f'callback {ev}')
        self.wrap(learn, '_backward', 'backward'); self.wrap(learn, '_step', 'optimizer step')
    def wrap(self, obj, name, part):
        f = getattr(obj, name)
        def timed(*args, **kwargs):
            if not self.training: return f(*args, **kwargs)
            t = time.process_time()   # CPU seconds of the process (all its threads): a busy machine does not inflate them
            try: return f(*args, **kwargs)
            finally: self.cur[part] += time.process_time() - t
        setattr(obj, name, timed)
    def before_train(self): self.cur, self.t, self.c = defaultdict(float), time.perf_counter(), time.process_time()
    def after_train(self):
        self.cur['epoch'], self.cur['epoch CPU'] = time.perf_counter() - self.t, time.process_time() - self.c
        self.epochs.append(dict(self.cur))

def learner(method, n_train, seed=0):
    set_seed(seed, reproducible=True)
    dls = fashion_mnist_dls(0.4, seed=seed, n_train=n_train, bs=128, batch_tfms=light_aug())
    set_seed(seed, reproducible=True)
    learn = Learner(dls, cnn(1, 10, first_stride=2), metrics=accuracy, cbs=[*METHODS[method](), Parts()])
    learn.to_channelslast(use_amp=False)
    return learn

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--epochs', type=int, default=2, help="timed epochs of each method (after one warm-up epoch)")
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--n-train', type=int, default=20000, help="training items")
    p.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(METHODS))
    p.add_argument('--glibc-defaults', action='store_true', help="leave glibc's memory thresholds as they are (ELR+ sets them on a CPU: keep_freed_memory)")
    a = p.parse_args()
    if a.glibc_defaults: plus._KEPT = False   # as if already set: ELR+ leaves the allocator alone
    torch.set_num_threads(a.threads)
    warnings.filterwarnings('ignore')   # ELR+ says how it draws its second network
    learns = {m: learner(m, a.n_train) for m in a.methods}
    for i in range(a.epochs + 1):
        for learn in learns.values():
            with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    med = {m: {k: statistics.median(e.get(k, 0.) for e in l.parts.epochs[1:]) for k in l.parts.epochs[-1]} for m, l in learns.items()}
    n = len(next(iter(learns.values())).dls.train)
    print(f"median seconds (parts: CPU) per training epoch (validation left out) of {n} batches, {a.epochs} timed epochs each in turn, {torch.get_num_threads()} torch thread(s)")
    base = med.get('ELR')
    for m, d in med.items():
        ratio = f", {d['epoch'] / base['epoch']:.2f}x ELR wall, {d['epoch CPU'] / base['epoch CPU']:.2f}x CPU" if base else ''
        print(f"{m}: wall {d['epoch']:.2f} s, CPU {d['epoch CPU']:.2f} s{ratio}")
        parts = {k: v for k, v in d.items() if not k.startswith('epoch')}
        if m in ('ELR', 'ELR+', 'CE'):
            nested = {'teachers forward': 'callback after_loss', 'EMA update': 'callback after_step'}   # inside those events
            for k, v in sorted(parts.items()):
                if k not in nested: print(f"    {k:32s} {v:6.2f} s")
                of = [f"{n} {parts[n]:.2f} s" for n, within in nested.items() if within == k and n in parts]
                if of: print(f"      of which {', '.join(of)}")
            inner = sum(v for k, v in parts.items() if k not in nested)
            print(f"    {'rest: fastai loop, loaders':32s} {d['epoch CPU'] - inner:6.2f} s")

if __name__ == '__main__': main()
