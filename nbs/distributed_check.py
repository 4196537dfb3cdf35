"""Small ELR and ELR+ runs for `04b_distributed.ipynb`.

    python -m torch.distributed.run --standalone --nproc_per_node=2 distributed_check.py OUT

trains every run of `RUNS` under `learn.distrib_ctx()` and saves, per process, what it holds to
`OUT/<run>.rank<r>.pt`; `reference` trains one process on the global batches the processes recorded."""
import sys
from copy import deepcopy
from pathlib import Path
import torch, torch.nn as nn
from fastai.basics import Learner, Callback, Datasets, CrossEntropyLossFlat, set_seed, rank_distrib, num_distrib
from fastai.torch_core import get_model
from fastai_elr.callback import ELRCallback
from fastai_elr.plus import ELRPlusCallback
import fastai.distributed  # `Learner.distrib_ctx`

D, C, N_VALID, BS = 8, 4, 40, 16
RUNS = {  # name: (method, training items, epochs, ELR+ mixup)
    'elr_pad': ('elr', 255, 1, False), 'elr_even': ('elr', 256, 2, False),
    'plus_pad': ('plus', 255, 1, False), 'plus_even': ('plus', 256, 2, False), 'plus_mixup': ('plus', 255, 1, True)}

def data(n):
    "`n` training and `N_VALID` validation items: random inputs, classes from the first `C` inputs, 30% of labels changed"
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n + N_VALID, D, generator=g)
    flip = torch.rand(n + N_VALID, generator=g) < 0.3
    return x, (x[:, :C].argmax(1) + flip * torch.randint(1, C, (n + N_VALID,), generator=g)) % C

def dataloaders(x, y, keys, **kwargs):
    "Training items `x[keys]` (a key may repeat), validation items the last `N_VALID` of `x`"
    keys, valid = list(keys), list(range(len(x) - N_VALID, len(x)))
    ds = Datasets(keys + valid, tfms=[[lambda i: x[i]], [lambda i: y[i]]],
                  splits=[list(range(len(keys))), list(range(len(keys), len(keys) + N_VALID))])
    return ds.dataloaders(bs=BS, **kwargs)

class Record(Callback):
    "Keep the weights at the first training batch, each batch's positions (checked against its inputs), and the model's class"
    order = -1  # after `SampleIndexCallback`, before ELR+ mixes the inputs
    def __init__(self, x): self.x, self.init, self.batches, self.wrapped = x, None, [], set()
    def before_train(self): self.batches.append([])
    def before_batch(self):
        if not self.training: return
        if self.init is None: self.init = deepcopy(get_model(self.learn.model).state_dict())
        idxs = self.learn.sample_index.idxs
        keys = torch.as_tensor(self.dls.train_ds.items)[idxs]
        assert torch.equal(self.learn.xb[0], self.x[keys]), "a batch's positions do not match its inputs"
        self.batches[-1].append(idxs.tolist()); self.wrapped.add(type(self.learn.model).__name__)

def learner(method, dls, mixup=False):
    set_seed(0)
    model = nn.Sequential(nn.Linear(D, 32), nn.ReLU(), nn.Linear(32, C))
    cb = ELRCallback() if method == 'elr' else ELRPlusCallback(mixup=mixup, ealpha=0.9, ema_step=8, coef_step=8)
    return Learner(dls, model, loss_func=CrossEntropyLossFlat(), lr=1e-2, cbs=cb)

def state(learn, method):
    "(targets, labels) the learner's callback holds"
    cb = learn.elr if method == 'elr' else learn.elr_plus
    return (cb.targets if method == 'elr' else cb.bufs).detach().cpu().clone(), cb.labels.cpu().clone()

def train(method, n, epochs, mixup, keys=None, orders=None, init=None, bs=BS):
    "A learner trained on `n` items; with `orders`, one process on those epochs' orders of `keys` in batches of `bs`"
    x, y = data(n)
    dls = dataloaders(x, y, range(n) if keys is None else keys, **({} if orders is None else dict(shuffle=False, drop_last=False)))
    if orders is not None:
        dls.train.bs, epochs_left = bs, iter(orders)
        dls.train.get_idxs = lambda: next(epochs_left)
    learn = learner(method, dls, mixup)
    rec = Record(x); learn.add_cb(rec)
    if init is not None: get_model(learn.model).load_state_dict(init)
    return learn, rec

def distributed(out):
    "Every run of `RUNS` under `learn.distrib_ctx()`; each process saves what it holds"
    for name, (method, n, epochs, mixup) in RUNS.items():
        learn, rec = train(method, n, epochs, mixup)
        learn.path = Path(out)
        with learn.distrib_ctx(), learn.no_bar(), learn.no_logging():
            learn.fit(epochs)
            if name == 'elr_pad': learn.save(name)
        targets, labels = state(learn, method)
        torch.save(dict(targets=targets, labels=labels, batches=rec.batches, init=rec.init, wrapped=sorted(rec.wrapped),
                        after=type(learn.model).__name__, world=num_distrib(), rank=rank_distrib()),
                   Path(out)/f'{name}.rank{rank_distrib()}.pt')

def load_ranks(out, name):
    "What each process of run `name` saved, in rank order"
    return [torch.load(f, weights_only=False) for f in sorted(Path(out).glob(f'{name}.rank*.pt'))]

def reference(ranks, name):
    "(targets, labels) of one process trained on the global batches the processes of run `name` recorded, from rank 0's weights"
    method, n, epochs, mixup = RUNS[name]
    world = len(ranks)
    share, keys, orders = -(-n // world), list(range(n)), []
    for e in range(epochs):
        order = []
        for b in range(len(ranks[0]['batches'][e])):
            for r, rank in enumerate(ranks):
                offset = sum(len(o) for o in rank['batches'][e][:b])
                for j, i in enumerate(rank['batches'][e][b]):
                    if r * share + offset + j < n: order.append(i)
                    else: order.append(len(keys)); keys.append(i)   # a padding copy: an item of its own
        orders.append(order)
    learn, _ = train(method, n, epochs, mixup, keys, orders, ranks[0]['init'], bs=BS * world)
    with learn.no_bar(), learn.no_logging(): learn.fit(epochs)
    targets, labels = state(learn, method)
    return targets[..., :n, :], labels[:n]

if __name__ == '__main__': distributed(sys.argv[1])
