"""SOP's `lr_u`/`lr_v` (per row at batches of 128) on noisy digits and on a Fashion-MNIST validation split (never the test set):
clean validation accuracy at the last epoch for each noise type and seed, and the mean per rate.

    python benchmarks/sop_rates.py digits 64 40 60,120 0,1,2     # data, batch size, epochs, rates (lr_u = lr_v; 'ce': none), seeds
    python benchmarks/sop_rates.py fashion 64 10 60,120 0        # 10,000 of the training items, 5,000 others to validate on

Digits: the MLP 64-256-256-10 of `04a_sop`, Adam at a constant 1e-3. Fashion-MNIST: an MLP 784-512-512-10, Adam
one-cycle at 1e-3, trained on 10,000 items drawn from the 60,000 training images and validated on 5,000 others.
"""
import sys, time, json, warnings, statistics, numpy as np, torch
warnings.filterwarnings('ignore'); torch.set_num_threads(1)
from fastai.vision.all import *
from fastai_elr.all import digits_dls, arrays_dls, symmetric_noise, next_class_noise, instance_noise, SOPCallback, load_fashion_mnist_arrays, FASHION_MNIST_CLASSES
from fastai_elr.noise import make_noise
NF = dict(sym=symmetric_noise, asym=next_class_noise, idn=instance_noise)
def mlp(n_in=64, h=256): return nn.Sequential(Flatten(), nn.Linear(n_in, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 10))
def fashion_val(rate, seed, noise_fn, n_train=10000, n_valid=5000, bs=64):
    xt, yt, _, _ = load_fashion_mnist_arrays(None, None, None, seed)[:4]
    rng = np.random.default_rng(1000 + seed); perm = rng.permutation(len(xt))
    tr, va = perm[:n_train], perm[n_train:n_train + n_valid]
    noise = make_noise(noise_fn, yt[tr].astype(np.int64), rate, x=xt[tr], n_classes=10, seed=seed)
    return arrays_dls(xt[tr], noise.noisy, xt[va], yt[va], vocab=FASHION_MNIST_CLASSES, noise=noise, bs=bs, seed=seed)
def one(data, noise, seed, lr, bs, epochs):
    set_seed(seed, reproducible=True)
    if data == 'digits': dls, net = digits_dls(0.4, seed=seed, noise_fn=NF[noise], bs=bs), mlp()
    else: dls, net = fashion_val(0.4, seed, NF[noise], bs=bs), mlp(784, 512)
    set_seed(seed, reproducible=True)
    cbs = [] if lr is None else [SOPCallback(lr_u=lr, lr_v=lr)]
    learn = Learner(dls, net, metrics=accuracy, cbs=cbs)
    with learn.no_bar(), learn.no_logging():
        if data == 'digits': learn.fit(epochs, 1e-3)
        else: learn.fit_one_cycle(epochs, 1e-3)
    return float(learn.recorder.values[-1][2])
if __name__ == '__main__':
    data, bs, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    lrs = [None if a == 'ce' else float(a) for a in sys.argv[4].split(',')]
    seeds = [int(a) for a in sys.argv[5].split(',')]
    res = {}
    for lr in lrs:
        for noise in NF:
            for s in seeds:
                t = time.process_time(); a = one(data, noise, s, lr, bs, epochs)
                res.setdefault(str(lr), {}).setdefault(noise, []).append(a)
                print(data, bs, lr, noise, s, round(a, 4), f'{time.process_time()-t:.0f}s', flush=True)
        r = res[str(lr)]
        print('==', data, 'bs', bs, 'lr', lr, {n: round(statistics.mean(v), 4) for n, v in r.items()}, 'mean', round(statistics.mean(sum(r.values(), [])), 4), flush=True)
