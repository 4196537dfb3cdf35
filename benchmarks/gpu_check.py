"""The GPU path in one run: ELR, ELR+, SOP and SOP+ trained on CUDA in float32 and under `learn.to_fp16()` and
`learn.to_bf16()`, with any host synchronisation inside the callbacks' per-batch events made an error; every per-item
buffer checked to be on the device and finite; an ELR epoch (and an ELR+ epoch) timed against a plain one.

    python benchmarks/gpu_check.py                # on a machine with CUDA: about 3 minutes on one GPU
    python benchmarks/gpu_check.py --cpu          # the same checks on the CPU, less the synchronisation check
    python benchmarks/gpu_check.py --cpu --quick  # a small run of them (the test suite runs this)

The data are synthetic (10 classes of 3x32x32 images, a noisy pattern per class, 40% of the training labels moved to
another class): nothing to download. The model is timm's resnet18 without pretrained weights (`--arch cnn`: the small
CNN of `elr_train`). Timings: epochs taken in turn (plain, ELR, ELR+, plain, ...) after one warm-up epoch each, median
wall and CPU seconds of the training part of an epoch, the device synchronised at its start and end. Exits 1 if a
check failed; without CUDA and without `--cpu` it says so in one line and exits 0.
"""
import argparse, statistics, sys, time, traceback, warnings
from contextlib import nullcontext

def synthetic(n_train, n_valid, size, seed=0):
    "uint8 images (N, size, size, 3): a random pattern per class plus noise; labels, 40% of the training ones moved"
    import numpy as np
    rng = np.random.default_rng(seed)
    protos = rng.integers(0, 256, (10, size, size, 3))
    def make(n):
        y = rng.integers(0, 10, n)
        return np.clip(0.5 * protos[y] + rng.normal(64, 48, (n, size, size, 3)), 0, 255).astype(np.uint8), y
    (xt, yt), (xv, yv) = make(n_train), make(n_valid)
    moved = rng.random(n_train) < 0.4
    noisy = np.where(moved, (yt + rng.integers(1, 10, n_train)) % 10, yt)
    return xt, noisy, xv, yv

def random_flip(x):
    "SOP+'s second view: each image flipped left-right with probability 1/2, on the device"
    import torch
    return torch.where(torch.rand(len(x), 1, 1, 1, device=x.device) < 0.5, x.flip(-1), x)

def make_learner(dls, arch, method):
    from fastai.vision.all import Learner, vision_learner, accuracy
    from fastai_elr.callback import ELRCallback
    from fastai_elr.plus import ELRPlusCallback
    from fastai_elr.sop import SOPCallback
    from fastai_elr.run import cnn
    cbs = {'plain': [], 'ELR': [ELRCallback()], 'ELR+': [ELRPlusCallback()], 'SOP': [SOPCallback()],
           'SOP+': [SOPCallback(ratio_balance=0.1, ratio_consistency=0.9, view2=random_flip)]}[method]
    if arch == 'cnn': return Learner(dls, cnn(3, dls.c), metrics=accuracy, cbs=cbs)
    return vision_learner(dls, arch, pretrained=False, normalize=False, metrics=accuracy, cbs=cbs)

def check_state(learn, device):
    "Problems with the per-item state of `learn`'s noise callback: not on `device`, not finite, rows never trained"
    import torch
    cb = next(c for c in learn.cbs if getattr(type(c), 'handles_noise', False))
    state, bad = cb.item_state(), []
    if not state: return ['no per-item state after training']
    for k, t in state.items():
        if t.device.type != device.type: bad.append(f'{k} on {t.device}, not {device.type}')
        if t.is_floating_point() and not torch.isfinite(t).all(): bad.append(f'{k} holds NaN or infinite values')
    seen = (state['labels'] >= 0).float().mean().item()
    if seen < 0.9: bad.append(f'only {seen:.0%} of the rows were trained on')
    return bad

def check(dls, arch, method, precision, epochs, device):
    "Train one method at one precision with synchronisations in the per-batch events an error; return (problems, accuracy)"
    import torch
    from fastai_elr.syncs import around_batch_events, noise_callbacks, sync_errors
    learn = make_learner(dls, arch, method)
    if precision == 'fp16': learn.to_fp16()
    if precision == 'bf16': learn.to_bf16()
    guard = sync_errors if device.type == 'cuda' else nullcontext
    with learn.no_bar(), learn.no_logging(), around_batch_events(noise_callbacks(learn), guard):
        learn.fit_one_cycle(epochs, 3e-3)
    with learn.no_bar(): loss, acc = learn.validate()
    return check_state(learn, device) + ([] if torch.isfinite(torch.as_tensor(loss)) else ['validation loss not finite']), acc

def epoch_times(dls, arch, methods, timed, device):
    "Median (wall, CPU) seconds of a training epoch per method, epochs taken in turn after a warm-up each"
    import torch
    from fastai.vision.all import Callback
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    class Clock(Callback):
        def before_fit(self): self.times = getattr(self, 'times', [])
        def before_train(self): sync(); self.t, self.c = time.perf_counter(), time.process_time()
        def after_train(self): sync(); self.times.append((time.perf_counter() - self.t, time.process_time() - self.c))
    learns = {m: make_learner(dls, arch, m) for m in methods}
    clocks = {m: Clock() for m in methods}
    for i in range(timed + 1):
        for m, learn in learns.items():
            with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3, cbs=clocks[m])
    return {m: tuple(statistics.median(t[j] for t in c.times[1:]) for j in (0, 1)) for m, c in clocks.items()}

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--cpu', action='store_true', help="run the checks on the CPU (no synchronisation check there)")
    p.add_argument('--quick', action='store_true', help="a small run: 512 items of 16x16, the small CNN, one epoch")
    p.add_argument('--arch', default=None, help="timm architecture or 'cnn' (default: resnet18; cnn with --quick)")
    p.add_argument('--n-train', type=int, default=None, help="training items (default 20,000; 512 with --quick)")
    p.add_argument('--epochs', type=int, default=None, help="epochs of each check (default 2; 1 with --quick)")
    p.add_argument('--timed', type=int, default=None, help="timed epochs per method (default 3; 1 with --quick)")
    p.add_argument('--bs', type=int, default=128)
    a = p.parse_args()
    import torch
    if not a.cpu and not torch.cuda.is_available():
        print("gpu_check: no CUDA device here, nothing checked (on a CPU, `--cpu` runs the same checks without the sync check)")
        return 0
    warnings.filterwarnings('ignore')   # e.g. autocast('cuda') disabled on a CPU: the checks still run in float32 there
    from fastai.vision.all import set_seed
    from fastai_elr.data import arrays_dls
    device = torch.device('cpu' if a.cpu else 'cuda')
    arch = a.arch or ('cnn' if a.quick else 'resnet18')
    n, size = a.n_train or (512 if a.quick else 20000), 16 if a.quick else 32
    epochs, timed = a.epochs or (1 if a.quick else 2), a.timed or (1 if a.quick else 3)
    torch.set_num_threads(min(torch.get_num_threads(), 2)) if a.cpu else None
    set_seed(0, reproducible=True)
    xt, yt, xv, yv = synthetic(n, max(n // 4, 256), size)
    dls = arrays_dls(xt, yt, xv, yv, vocab=[str(i) for i in range(10)], bs=a.bs, seed=0, device=device)
    name = torch.cuda.get_device_name() if device.type == 'cuda' else f'CPU, {torch.get_num_threads()} torch threads'
    print(f"gpu_check on {name}, torch {torch.__version__}: {arch}, {n} items of {size}x{size}, {epochs} epoch(s) per check"
          + ("" if device.type == 'cuda' else " (no sync check on a CPU; fp16/bf16 autocast is CUDA's, so float32 here)"), flush=True)
    failed = 0
    for method in ('ELR', 'ELR+', 'SOP', 'SOP+'):
        for precision in ('fp32', 'fp16', 'bf16'):
            t = time.perf_counter()
            try: problems, acc = check(dls, arch, method, precision, epochs, device)
            except Exception as e:
                problems, acc = [f'{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}'], float('nan')
                traceback.print_exc(limit=-4)
            failed += bool(problems)
            print(f"{method:5s} {precision}: {'FAILED: ' + '; '.join(problems) if problems else 'ok'} "
                  f"(accuracy {acc:.3f}, {time.perf_counter() - t:.1f} s)", flush=True)
    times = epoch_times(dls, arch, ('plain', 'ELR', 'ELR+'), timed, device)
    (w0, c0) = times['plain']
    for m, (w, c) in times.items():
        print(f"epoch {m:5s}: wall {w:.3f} s, CPU {c:.3f} s" + ("" if m == 'plain' else f"; {w / w0:.2f}x plain wall, {c / c0:.2f}x CPU"))
    print('gpu_check: all checks passed' if not failed else f'gpu_check: {failed} check(s) FAILED')
    return 1 if failed else 0

if __name__ == '__main__': sys.exit(main())
