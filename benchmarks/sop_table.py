"""CE, ELR, ELR+, SOP (and SOP+ on the CNN) on Fashion-MNIST with 40% symmetric, asymmetric (next class) and
instance-dependent noise: clean test accuracy (best and last epoch) and mislabel detection (flag F1, AUROC, precision
at the number of wrong labels), mean and standard deviation over seeds, as one markdown table.

    nice -n 10 env OMP_NUM_THREADS=1 python benchmarks/sop_table.py --jobs 2      # the README's MLP table
    python benchmarks/sop_table.py --model cnn                                    # the CNN rows
    python benchmarks/sop_table.py --model cnn --noises sym --methods ELR ELR+ --epochs 5 15 40 --seeds 0   # the epoch sweep
    python benchmarks/sop_table.py --model cnn --n-train 2000 --epochs 2 --seeds 0 --results /tmp/quick.json   # a quick look

Every run is one process with one torch thread; `--jobs` runs that many side by side. The same settings serve
every noise type and method (no tuning on the test set), each method at its defaults: `--model mlp` is an MLP
784-512-512-10, Adam one-cycle at 1e-3, batches of 64, no augmentation; `--model cnn` is `cnn_fast`, the package's
small CNN (`elr_train --data fashion_mnist`'s default: Adam one-cycle at 1e-2, batches of 128), with light
augmentation (flips, and zooms of up to 1.1 at a random centre, i.e. shifts of a pixel or two), where SOP+ is
`SOPCallback(ratio_consistency=0.9)`: its second view is the loader's augmentation drawn again. Each method is
ranked by its `MislabelInterpretation` default. Finished runs are kept in `--results` (JSON, written after each run,
with CPU and wall seconds), so an interrupted table resumes where it stopped. Run keys: noise/method/seed for the
MLP at its 15 epochs; cnn/noise/method/seed/epochs for the CNN.
"""
import argparse, fcntl, json, os, statistics, time, warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

NOISES = ('sym', 'asym', 'idn')
METHODS = ('CE', 'ELR', 'ELR+', 'SOP', 'SOP+')
COLS = ('best', 'last', 'f1', 'auroc', 'p_at_k')

def mlp():
    from torch import nn
    from fastai.layers import Flatten
    return nn.Sequential(Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))

def light_aug():
    "Flips, and zooms of up to 1.1 at a random centre (shifts of a pixel or two)"
    from fastai.vision.all import aug_transforms
    return aug_transforms(max_rotate=0., min_zoom=1., max_zoom=1.1, max_lighting=0., max_warp=0., p_affine=1.)

def run(noise, method, seed, n_train, epochs, lr, bs, model='mlp'):
    "Train one method on one seed's noisy copy of Fashion-MNIST; return its accuracies, detection numbers and times"
    import torch
    torch.set_num_threads(1)
    warnings.filterwarnings('ignore')
    from fastai.vision.all import Learner, accuracy, set_seed
    from fastai_elr.all import (fashion_mnist_dls, symmetric_noise, next_class_noise, instance_noise, ELRCallback,
                                ELRPlusCallback, SOPCallback, MislabelInterpretation)
    from fastai_elr.run import cnn
    noise_fn = {'sym': symmetric_noise, 'asym': next_class_noise, 'idn': instance_noise}[noise]
    set_seed(seed, reproducible=True)   # before the loaders too: their shuffling must not depend on earlier runs
    dls = fashion_mnist_dls(0.4, seed=seed, noise_fn=noise_fn, n_train=n_train, bs=bs, batch_tfms=light_aug() if model == 'cnn' else None)
    cbs = {'CE': [], 'ELR': [ELRCallback()], 'SOP': [SOPCallback()], 'ELR+': [ELRPlusCallback()],   # every method at its defaults
           'SOP+': [SOPCallback(ratio_consistency=0.9)]}[method]
    set_seed(seed, reproducible=True)
    learn = Learner(dls, cnn(1, 10, first_stride=2) if model == 'cnn' else mlp(), metrics=accuracy, cbs=cbs)
    if model == 'cnn': learn.to_channelslast(use_amp=False)   # as `elr_train` trains it on CPUs
    wall, cpu = time.perf_counter(), time.process_time()
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, lr)
    accs = [float(v[2]) for v in learn.recorder.values]
    with learn.no_bar(): interp = MislabelInterpretation.from_learner(learn)
    evs = {by: interp.evaluate(dls.noise, by=by) for by in interp.scores}   # every score, the default first
    scores = {by: dict(f1=e['f1'], auroc=e['auroc'], p_at_k=e['precision_at_k']) for by, e in evs.items()}
    return dict(noise=noise, method=method, seed=seed, rate=dls.noise.rate, best=max(accs), last=accs[-1],
                **scores[interp.by], by=interp.by, scores=scores, wall_s=time.perf_counter() - wall, cpu_s=time.process_time() - cpu,
                model=model, epochs=epochs, n_batches=len(dls.train))

def key(r):
    if r.get('model', 'mlp') == 'mlp': return f"{r['noise']}/{r['method']}/{r['seed']}"
    return f"{r['model']}/{r['noise']}/{r['method']}/{r['seed']}/{r['epochs']}"

def save(path, name, r, settings, skey='settings') -> dict:
    "Add one finished run to the results file, re-read under a lock so tables run side by side keep each other's runs; written atomically"
    with open(path.with_name(f'.{path.name}.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        results = json.loads(path.read_text()) if path.exists() else {}
        results[skey] = settings
        results.setdefault('runs', {})[name] = r
        tmp = path.with_name(f'.{path.name}.tmp')
        with open(tmp, 'w') as f: json.dump(results, f, indent=1); f.flush(); os.fsync(f.fileno())
        os.replace(tmp, path)
    return results

ALSO = {'SOP': 'label_noise', 'SOP+': 'label_noise'}   # a second row: SOP ranked by its learned noise

NAMES = {'sym': 'symmetric', 'asym': 'next class', 'idn': 'instance-dependent'}
HEAD = ['accuracy, best epoch', 'accuracy, last epoch', 'F1', 'AUROC', 'P@k']

def _row(rs, by) -> str:
    "The cells of runs `rs` ranked `by`: mean ± sd of each column over the seeds, then the ranking and the mean CPU seconds"
    vals = [{**r, **r['scores'][by]} for r in rs]
    cell = lambda c: f"{statistics.mean(v[c] for v in vals):.3f}" + (f" ± {statistics.stdev(v[c] for v in vals):.3f}" if len(vals) > 1 else '')
    return ' | '.join(cell(c) for c in COLS) + f" | {by} | {statistics.mean(r['cpu_s'] for r in rs):.0f} |"

def _head(*first) -> list:
    head = [*first, 'seeds', *HEAD, 'ranked by', 'CPU s']
    return ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]

def _name(model, noise, method, seed, epochs) -> str: return f'{noise}/{method}/{seed}' if model == 'mlp' else f'{model}/{noise}/{method}/{seed}/{epochs}'

def table(results, seeds, model='mlp', epochs=15) -> str:
    "Markdown as in the README: one row per noise and method (by its default score, SOP also by `label_noise`), mean ± sd over the seeds"
    lines = _head('noise (40%)', 'method')
    for noise in NOISES:
        for method in METHODS:
            rs = [results[k] for s in seeds if (k := _name(model, noise, method, s, epochs)) in results]
            for by in dict.fromkeys([rs[0]['by'], ALSO.get(method, rs[0]['by'])] if rs else []):
                lines.append(f"| {NAMES[noise]} | {method} | {','.join(str(r['seed']) for r in rs)} | " + _row(rs, by))
    return '\n'.join(lines)

def sweep(results, seeds, epochs, noise='sym', methods=('ELR', 'ELR+'), model='cnn') -> str:
    "Markdown as in the README: one row per length of training and method, on one noise"
    lines = _head('epochs', 'method')
    for e in epochs:
        for method in methods:
            rs = [results[k] for s in seeds if (k := _name(model, noise, method, s, e)) in results]
            if rs: lines.append(f"| {e} | {method} | {','.join(str(r['seed']) for r in rs)} | " + _row(rs, rs[0]['by']))
    return '\n'.join(lines)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default='mlp', choices=('mlp', 'cnn'))
    p.add_argument('--n-train', type=int, default=20000, help='training items (a seeded subset of the 60,000)')
    p.add_argument('--epochs', type=int, nargs='+', default=[15], help='the CNN may take several (an epoch sweep)')
    p.add_argument('--lr', type=float, default=None, help='default: 1e-3 (MLP), 1e-2 (CNN)')
    p.add_argument('--bs', type=int, default=None, help='default: 64 (MLP), 128 (CNN)')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--noises', nargs='+', default=list(NOISES), choices=NOISES)
    p.add_argument('--methods', nargs='+', default=None, choices=METHODS, help='default: all (SOP+ on the CNN only)')
    p.add_argument('--jobs', type=int, default=1, help='runs side by side, one process and one thread each')
    p.add_argument('--results', type=Path, default=Path(__file__).with_name('sop_table.json'), help='finished runs, read and extended')
    args = p.parse_args()
    cnn = args.model == 'cnn'
    lr, bs = args.lr or (1e-2 if cnn else 1e-3), args.bs or (128 if cnn else 64)
    methods = args.methods or [m for m in METHODS if cnn or m != 'SOP+']
    if not cnn and args.epochs != [15] or (not cnn and 'SOP+' in methods): raise SystemExit("the MLP rows run 15 epochs, without SOP+")
    settings = dict(n_train=args.n_train, epochs=15, lr=lr, bs=bs)
    results = json.loads(args.results.read_text()) if args.results.exists() else {}
    skey = 'cnn_settings' if cnn else 'settings'
    if results.get(skey, settings) != settings:
        raise SystemExit(f"{args.results} holds runs made with other settings ({results.get(skey)}): pass another --results")
    runs = results.get('runs', {})
    todo = [(n, m, s, e) for s in args.seeds for e in args.epochs for n in args.noises for m in methods
            if key(dict(model=args.model, noise=n, method=m, seed=s, epochs=e)) not in runs]
    print(f"Fashion-MNIST, {args.n_train} training items, 40% noise; {'cnn_fast, light augmentation' if cnn else 'MLP 784-512-512-10'}, "
          f"Adam one-cycle lr {lr}, bs {bs}, {args.epochs} epochs; {len(todo)} runs to do, {args.jobs} at a time", flush=True)
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run, n, m, s, args.n_train, e, lr, bs, args.model) for n, m, s, e in todo]
        for f in futures:
            r = f.result()
            runs = save(args.results, key(r), r, settings, skey)['runs']
            print(f"{key(r):22} best {r['best']:.4f} last {r['last']:.4f} F1 {r['f1']:.3f} AUROC {r['auroc']:.3f} "
                  f"P@k {r['p_at_k']:.3f} ({r['by']}), {r['cpu_s']:.0f} s CPU, {r['wall_s']:.0f} s wall", flush=True)
    mine = {k: r for k, r in runs.items() if r.get('model', 'mlp') == args.model}
    for e in args.epochs:
        print(f"\n{args.model}, {e} epochs\n{table(runs, args.seeds, args.model, e)}")
    if len(args.epochs) > 1:
        print(f"\n{args.model}, {NAMES[args.noises[0]]} noise, by length of training\n{sweep(runs, args.seeds, args.epochs, args.noises[0], methods, args.model)}")
    print(f"\nCPU time of the {args.model} training runs: {sum(r['cpu_s'] for r in mine.values())/60:.0f} min (shared machine, one thread each)")
