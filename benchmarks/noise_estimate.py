"""How dirty is the data: the noise rate and noise matrix estimated from one training (ELR, ELR+, SOP, with
`MislabelInterpretation.noise_matrix`, by counts of flags and calibrated) against the truth and against cleanlab's
`estimate_joint` on 5-fold out-of-sample probabilities of the same model, on Fashion-MNIST.

    nice -n 10 env OMP_NUM_THREADS=1 python benchmarks/noise_estimate.py                      # ELR and cleanlab, seed 0
    nice -n 10 env OMP_NUM_THREADS=1 python benchmarks/noise_estimate.py --methods SOP ELR+   # added to the same JSON
    python benchmarks/noise_estimate.py --table                                               # the table of what ran
    python benchmarks/noise_estimate.py --n-train 2000 --epochs 2 --results /tmp/ne.json      # a quick look

Per noise: the true rate and matrix (rows: true class, columns: given label, rows summing to 1) against each estimate:
its rate, the mean absolute error over the 100 cells of its matrix, whether its most confused pair (given, suggested)
is the true one (the pair with the most items) or at least one of the true top 10, and the share of its top 10 pairs
among the true top 10 (under next-class noise the ten true pairs hold nearly equal counts; under symmetric noise
all 90 do, so there the pairs say nothing). The settings of `sop_table.py` (an MLP 784-512-512-10, Adam one-cycle at 1e-3, batches of
64, 15 epochs, every method at its defaults); validation on 1,000 test items only (its accuracy is not used). cleanlab
trains the same MLP without ELR on each 4/5 of the items and predicts the fifth (stratified folds). Runs go one at a
time in this process, with one torch thread; each is written to `--results` as soon as it ends, so an interrupted
benchmark resumes where it stopped and a partial table is usable.
"""
import argparse, json, os, sys, time, warnings
from pathlib import Path
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from sop_table import mlp, save   # the same network, the same atomic JSON writes

NOISES = {'sym20': ('sym', 0.2), 'sym40': ('sym', 0.4), 'sym60': ('sym', 0.6),
          'next20': ('next', 0.2), 'next40': ('next', 0.4), 'idn40': ('idn', 0.4)}
METHODS = ('ELR', 'cleanlab', 'ELR+', 'SOP', 'CE')
HOWS = ('flags', 'calibrated')

def noisy_arrays(noise, seed, n_train, n_valid):
    "The training and validation arrays with `noise` on the training labels, as `fashion_mnist_dls` draws them"
    from fastai_elr.all import load_fashion_mnist_arrays, make_noise, symmetric_noise, next_class_noise, instance_noise
    kind, rate = NOISES[noise]
    fn = {'sym': symmetric_noise, 'next': next_class_noise, 'idn': instance_noise}[kind]
    xt, yt, xv, yv = load_fashion_mnist_arrays(None, n_train, n_valid, seed)
    return xt, xv, yv, make_noise(fn, yt.astype(np.int64), rate, x=xt, n_classes=10, seed=seed)

def fit(dls, cbs, epochs, lr, seed):
    "A seeded MLP trained on `dls` with `cbs`; its CPU and wall seconds"
    import torch
    from fastai.vision.all import Learner, accuracy, set_seed
    set_seed(seed, reproducible=True)
    learn = Learner(dls, mlp(), metrics=accuracy, cbs=cbs)
    wall, cpu = time.perf_counter(), time.process_time()
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, lr)
    return learn, time.process_time() - cpu, time.perf_counter() - wall

def compare(counts, true_counts) -> dict:
    "An estimate (counts, rows = true class, columns = given label) against the truth: rate, matrix error, top pairs"
    from fastai_elr.health import noise_matrix_error
    rows = lambda c: c / np.maximum(c.sum(1, keepdims=True), 1e-12)
    def pairs(c):
        off = c.copy(); np.fill_diagonal(off, 0)
        order = np.argsort(-off.T, axis=None, kind='stable')[:10]   # (given, true) cells, most items first
        return [[int(i // len(c)), int(i % len(c)), round(float(off.T.flat[i]), 1)] for i in order]
    est, true = pairs(counts), pairs(true_counts)
    true_set = {tuple(p[:2]) for p in true if p[2] > 0}
    return dict(rate=float(1 - np.trace(counts) / counts.sum()), mae=noise_matrix_error(rows(counts), rows(true_counts)),
                top=est, top1_is_true_top1=est[0][:2] == true[0][:2], top1_is_true_pair=tuple(est[0][:2]) in true_set,
                top10_overlap=len({tuple(p[:2]) for p in est} & {tuple(p[:2]) for p in true}) / 10,
                matrix=np.round(rows(counts), 4).tolist())

def run_learned(noise, method, seed, n_train, n_valid, epochs, lr, bs):
    "One training with `method`; the estimates of `MislabelInterpretation` by flags and calibrated, against the truth"
    import torch
    torch.set_num_threads(1)
    from fastai_elr.all import (arrays_dls, FASHION_MNIST_CLASSES, ELRCallback, ELRPlusCallback, SOPCallback,
                                MislabelInterpretation, true_noise_counts)
    xt, xv, yv, nz = noisy_arrays(noise, seed, n_train, n_valid)
    dls = arrays_dls(xt, nz.noisy, xv, yv, vocab=FASHION_MNIST_CLASSES, noise=nz, bs=bs, seed=seed)
    nb = len(dls.train)
    cbs = {'CE': [], 'ELR': [ELRCallback()], 'SOP': [SOPCallback()],
           'ELR+': [ELRPlusCallback(ealpha=1 - 1 / nb, ema_step=int(0.5 * epochs * nb))]}[method]
    learn, cpu, wall = fit(dls, cbs, epochs, lr, seed)
    acc = float(learn.recorder.values[-1][2])   # before `get_preds`, which starts the recorder afresh
    with learn.no_bar(), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        interp = MislabelInterpretation.from_learner(learn)
    tc = true_noise_counts(nz, 10)
    return dict(noise=noise, method=method, seed=seed, rate_true=nz.rate, true_top=compare(tc, tc)['top'], by=interp.by,
                flagged=int(interp.flagged().sum()), accuracy=acc,
                est={how: compare(interp.noise_counts(how=how), tc) for how in HOWS}, cpu_s=cpu, wall_s=wall)

def run_cleanlab(noise, seed, n_train, n_valid, epochs, lr, bs, folds=5):
    "cleanlab's `estimate_joint` on `folds`-fold out-of-sample probabilities of the MLP trained with plain cross entropy"
    import torch, cleanlab.count
    from sklearn.model_selection import StratifiedKFold
    torch.set_num_threads(1)
    from fastai_elr.all import arrays_dls, FASHION_MNIST_CLASSES, true_noise_counts
    xt, _, _, nz = noisy_arrays(noise, seed, n_train, n_valid)
    probs, cpu, wall = np.zeros((len(xt), 10), dtype=np.float32), 0., 0.
    for k, (tr, ho) in enumerate(StratifiedKFold(folds, shuffle=True, random_state=seed).split(xt, nz.noisy)):
        dls = arrays_dls(xt[tr], nz.noisy[tr], xt[ho], nz.noisy[ho], vocab=FASHION_MNIST_CLASSES, bs=bs, seed=seed + k)
        learn, c, w = fit(dls, [], epochs, lr, seed + k)
        with learn.no_bar(): p, _ = learn.get_preds(dl=dls.valid)
        probs[ho] = p.numpy(); cpu += c; wall += w
    joint = cleanlab.count.estimate_joint(nz.noisy, probs).T          # cleanlab: rows = given label; here rows = true class
    tc = true_noise_counts(nz, 10)
    return dict(noise=noise, method='cleanlab', seed=seed, rate_true=nz.rate, true_top=compare(tc, tc)['top'], folds=folds,
                est={'estimate_joint': compare(joint * len(xt), tc)}, cpu_s=cpu, wall_s=wall)

def key(r): return f"{r['noise']}/{r['method']}/{r['seed']}"

def table(runs) -> str:
    "Markdown: per noise and estimate, the true and estimated rate, the matrix error, the top pair, the training CPU time"
    head = ['noise', 'true rate', 'method', 'estimate', 'seeds', 'estimated rate', '|error| (points)', 'matrix MAE',
            'top pair: the true top / a true pair', 'top-10 pairs true', 'training CPU']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for noise in NOISES:
        for method in METHODS:
            rs = [r for r in runs.values() if r['noise'] == noise and r['method'] == method]
            if not rs: continue
            for how in rs[0]['est']:
                es = [r['est'][how] for r in rs]
                m = lambda v: float(np.mean(v))
                sd = lambda v: f" ± {np.std(v, ddof=1):.{3}f}" if len(v) > 1 else ''
                rate, err = [e['rate'] for e in es], [100 * abs(e['rate'] - r['rate_true']) for e, r in zip(es, rs)]
                lines.append(f"| {noise} | {m([r['rate_true'] for r in rs]):.3f} | {method} | {how} | {len(rs)} | {m(rate):.3f}{sd(rate)} "
                             f"| {m(err):.1f} | {m([e['mae'] for e in es]):.4f} | {sum(e['top1_is_true_top1'] for e in es)}/{len(es)} / {sum(e['top1_is_true_pair'] for e in es)}/{len(es)} | {m([e['top10_overlap'] for e in es]):.2f} "
                             f"| {m([r['cpu_s'] for r in rs]):.0f} s |")
    return '\n'.join(lines)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n-train', type=int, default=20000, help='training items (a seeded subset of the 60,000)')
    p.add_argument('--n-valid', type=int, default=1000, help='test items to validate on each epoch (unused here)')
    p.add_argument('--epochs', type=int, default=15)
    p.add_argument('--cv-epochs', type=int, default=None, help="epochs of each of cleanlab's fold trainings (default: --epochs)")
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--bs', type=int, default=64)
    p.add_argument('--seeds', type=int, nargs='+', default=[0])
    p.add_argument('--noises', nargs='+', default=list(NOISES), choices=list(NOISES))
    p.add_argument('--methods', nargs='+', default=['ELR', 'cleanlab'], choices=METHODS)
    p.add_argument('--results', type=Path, default=Path(__file__).with_suffix('.json'), help='finished runs, read and extended')
    p.add_argument('--table', action='store_true', help='print the table of the finished runs and stop')
    args = p.parse_args()
    warnings.filterwarnings('ignore')
    settings = dict(n_train=args.n_train, n_valid=args.n_valid, epochs=args.epochs, lr=args.lr, bs=args.bs)
    results = json.loads(args.results.read_text()) if args.results.exists() else {}
    if results and results.get('settings') != settings:
        raise SystemExit(f"{args.results} holds runs made with other settings ({results.get('settings')}): pass another --results")
    runs = results.get('runs', {})
    if args.table: print(table(runs)); raise SystemExit
    cv_epochs = args.cv_epochs or args.epochs
    todo = [(n, m, s) for s in args.seeds for n in args.noises for m in args.methods
            if f'{n}/{m}/{s}' not in runs]
    print(f"Fashion-MNIST, {args.n_train} training items; MLP 784-512-512-10, Adam one-cycle lr {args.lr}, bs {args.bs}, "
          f"{args.epochs} epochs (cleanlab's folds: {cv_epochs}); {len(todo)} runs to do", flush=True)
    for n, m, s in todo:
        if m == 'cleanlab': r = run_cleanlab(n, s, args.n_train, args.n_valid, cv_epochs, args.lr, args.bs)
        else: r = run_learned(n, m, s, args.n_train, args.n_valid, args.epochs, args.lr, args.bs)
        if m == 'cleanlab': r['epochs'] = cv_epochs
        runs = save(args.results, key(r), r, settings)['runs']
        ests = ', '.join(f"{h}: rate {e['rate']:.3f} MAE {e['mae']:.4f} top {e['top'][0][:2]}{'*' if e['top1_is_true_top1'] else ''}"
                         for h, e in r['est'].items())
        print(f"{key(r):22} true rate {r['rate_true']:.3f} (top {r['true_top'][0][:2]}); {ests}; "
              f"{r['cpu_s']:.0f} s CPU, {r['wall_s']:.0f} s wall", flush=True)
    print(f"\n{table(runs)}\n\nCPU time of the trainings: {sum(r['cpu_s'] for r in runs.values())/60:.0f} min "
          f"(shared machine, one thread)")
