"""CE, ELR, ELR+ and SOP on Fashion-MNIST with 40% symmetric, asymmetric (next class) and instance-dependent noise:
clean test accuracy (best and last epoch) and mislabel detection (flag F1, AUROC, precision at the number of wrong
labels), mean and standard deviation over seeds, as one markdown table.

    nice -n 10 env OMP_NUM_THREADS=1 python benchmarks/sop_table.py --jobs 2      # the README's table
    python benchmarks/sop_table.py --n-train 2000 --epochs 2 --seeds 0 --jobs 1   # a quick look

Every run is one process with one torch thread; `--jobs` runs that many side by side. The same settings serve
every noise type and method (no tuning on the test set): an MLP 784-512-512-10, Adam, one-cycle, the methods'
defaults (SOP's chosen on the digits, see `04a_sop`; ELR+'s weight average over one epoch and its ramp over half
the steps, as `plus_vs_elr.py`). Each method is ranked by its `MislabelInterpretation` default. Finished runs are
kept in `--results` (JSON, written after each run), so an interrupted table resumes where it stopped.
"""
import argparse, json, os, statistics, time, warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

NOISES = ('sym', 'asym', 'idn')
METHODS = ('CE', 'ELR', 'ELR+', 'SOP')
COLS = ('best', 'last', 'f1', 'auroc', 'p_at_k')

def mlp():
    from torch import nn
    from fastai.layers import Flatten
    return nn.Sequential(Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))

def run(noise, method, seed, n_train, epochs, lr, bs):
    "Train one method on one seed's noisy copy of Fashion-MNIST; return its accuracies, detection numbers and times"
    import torch
    torch.set_num_threads(1)
    warnings.filterwarnings('ignore')
    from fastai.vision.all import Learner, accuracy, set_seed
    from fastai_elr.all import (fashion_mnist_dls, symmetric_noise, next_class_noise, instance_noise, ELRCallback,
                                ELRPlusCallback, SOPCallback, MislabelInterpretation)
    noise_fn = {'sym': symmetric_noise, 'asym': next_class_noise, 'idn': instance_noise}[noise]
    set_seed(seed, reproducible=True)   # before the loaders too: their shuffling must not depend on earlier runs
    dls = fashion_mnist_dls(0.4, seed=seed, noise_fn=noise_fn, n_train=n_train, bs=bs)
    n_batches = len(dls.train)
    cbs = {'CE': [], 'ELR': [ELRCallback()], 'SOP': [SOPCallback()],
           'ELR+': [ELRPlusCallback(ealpha=1 - 1 / n_batches, ema_step=int(0.5 * epochs * n_batches))]}[method]
    set_seed(seed, reproducible=True)
    learn = Learner(dls, mlp(), metrics=accuracy, cbs=cbs)
    wall, cpu = time.perf_counter(), time.process_time()
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, lr)
    accs = [float(v[2]) for v in learn.recorder.values]
    with learn.no_bar(): interp = MislabelInterpretation.from_learner(learn)
    evs = {by: interp.evaluate(dls.noise, by=by) for by in interp.scores}   # every score, the default first
    scores = {by: dict(f1=e['f1'], auroc=e['auroc'], p_at_k=e['precision_at_k']) for by, e in evs.items()}
    return dict(noise=noise, method=method, seed=seed, rate=dls.noise.rate, best=max(accs), last=accs[-1],
                **scores[interp.by], by=interp.by, scores=scores, wall_s=time.perf_counter() - wall, cpu_s=time.process_time() - cpu)

def key(r): return f"{r['noise']}/{r['method']}/{r['seed']}"

def save(results, path):
    "Write the finished runs atomically (a temporary file beside, then a rename)"
    tmp = path.with_name(f'.{path.name}.tmp')
    with open(tmp, 'w') as f: json.dump(results, f, indent=1); f.flush(); os.fsync(f.fileno())
    os.replace(tmp, path)

ALSO = {'SOP': 'label_noise'}   # a second row: SOP ranked by its learned noise

def table(results, seeds) -> str:
    "Markdown: one row per noise and method (ranked by its default score, and SOP also by `label_noise`), mean ± sd over the seeds"
    head = ['noise', 'method', 'best acc', 'last acc', 'F1', 'AUROC', 'P@k', 'ranked by']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for noise in NOISES:
        for method in METHODS:
            rs = [results[k] for s in seeds if (k := f'{noise}/{method}/{s}') in results]
            if not rs: continue
            rate = statistics.mean(r['rate'] for r in rs)
            for by in dict.fromkeys([rs[0]['by'], ALSO.get(method, rs[0]['by'])]):
                vals = [{**r, **r['scores'][by]} for r in rs]
                cell = lambda c: f"{statistics.mean(v[c] for v in vals):.3f}" + (f" ± {statistics.stdev(v[c] for v in vals):.3f}" if len(vals) > 1 else '')
                lines.append(f"| {noise} ({rate:.0%}) | {method} | " + ' | '.join(cell(c) for c in COLS) + f" | {by} |")
    return '\n'.join(lines)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n-train', type=int, default=20000, help='training items (a seeded subset of the 60,000)')
    p.add_argument('--epochs', type=int, default=15)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--bs', type=int, default=64)
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--noises', nargs='+', default=list(NOISES), choices=NOISES)
    p.add_argument('--methods', nargs='+', default=list(METHODS), choices=METHODS)
    p.add_argument('--jobs', type=int, default=1, help='runs side by side, one process and one thread each')
    p.add_argument('--results', type=Path, default=Path('sop_table.json'), help='finished runs, read and extended')
    args = p.parse_args()
    settings = dict(n_train=args.n_train, epochs=args.epochs, lr=args.lr, bs=args.bs)
    results = json.loads(args.results.read_text()) if args.results.exists() else {}
    if results and results.get('settings') != settings:
        raise SystemExit(f"{args.results} holds runs made with other settings ({results.get('settings')}): pass another --results")
    results['settings'] = settings
    runs = results.setdefault('runs', {})
    todo = [(n, m, s) for s in args.seeds for n in args.noises for m in args.methods if f'{n}/{m}/{s}' not in runs]
    print(f"Fashion-MNIST, {args.n_train} training items, 40% noise; MLP 784-512-512-10, Adam one-cycle lr {args.lr}, "
          f"bs {args.bs}, {args.epochs} epochs; {len(todo)} runs to do, {args.jobs} at a time", flush=True)
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run, n, m, s, **settings) for n, m, s in todo]
        for f in futures:
            r = f.result()
            runs[key(r)] = r
            save(results, args.results)
            print(f"{key(r):16} best {r['best']:.4f} last {r['last']:.4f} F1 {r['f1']:.3f} AUROC {r['auroc']:.3f} "
                  f"P@k {r['p_at_k']:.3f} ({r['by']}), {r['cpu_s']:.0f} s CPU, {r['wall_s']:.0f} s wall", flush=True)
    cpu = sum(r['cpu_s'] for r in runs.values())
    print(f"\n{table(runs, args.seeds)}\n\nCPU time of the training runs: {cpu/60:.0f} min (shared machine, one thread each)")
