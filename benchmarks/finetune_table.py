"""Fine-tuning a pretrained timm backbone on noisy labels: plain CE, ELR, ELR+ and SOP at their defaults after
`learn.fine_tune(n)`, on 40% symmetric, next-class and instance-dependent noise; clean test accuracy, the flags'
precision / recall / F1, the ranking's AUROC and precision at k, the noise estimate against the true rate, CPU seconds.

    nice -n 10 env OMP_NUM_THREADS=1 python benchmarks/finetune_table.py                   # fine_tune(5), seed 0, every method
    python benchmarks/finetune_table.py --methods CE ELR --seeds 1 2                          # more seeds
    python benchmarks/finetune_table.py --epochs 2 10 --seeds 0                               # shorter and longer fits
    python benchmarks/finetune_table.py --table                                               # the table of what ran
    python benchmarks/finetune_table.py --rescore                                             # scores again, without training
    python benchmarks/finetune_table.py --valid                                               # on a validation split
    python benchmarks/finetune_table.py --valid --methods CE ELR ELR:lam=1                      # settings of a method
    python benchmarks/finetune_table.py --scratch                                             # the README's next-class run

No hub weights here, so the backbone is made as a user would make one: `vision_learner(dls, 'resnet10t',
pretrained=False, n_in=1)` trained on 10,000 clean Fashion-MNIST training items of classes 0-4 (T-shirt to Coat),
its body saved under `~/.cache/fastai_elr` (named by a hash of its settings, made once) and loaded back by timm with
`pretrained=True, pretrained_cfg_overlay=dict(file=...)`. Each run then fine-tunes it on 5,000 training items of
classes 5-9 (Sandal to Ankle boot: classes it never saw) with 40% of their labels wrong, `learn.fine_tune(n)` at
fastai's defaults, batches of 64, 28x28 grey images, no augmentation, and tests on the 5,000 test items of those
classes (clean labels) once, after the last epoch. Each method is ranked by `MislabelInterpretation`'s default; its flags are `flagged()`.
`--valid` draws the 5,000 items and the items scored in place of the test set from two disjoint parts of the
training items of classes 5-9, so that settings are chosen without the test items. Seeds change the items, the
noise and the head; the backbone is one. Per-item arrays (probabilities, targets, SOP's scores, given and true
labels) are kept under `~/.cache/fastai_elr/finetune_runs`, so `--rescore` recomputes every number but accuracy
from them. Runs go one at a time, one torch thread each; each is written to `--results` (JSON, atomically) as
soon as it ends, so an interrupted table resumes where it stopped.
"""
import argparse, hashlib, json, os, statistics, sys, time, warnings
from pathlib import Path
import numpy as np
import sklearn.metrics as skm

sys.path.insert(0, str(Path(__file__).parent))
from sop_table import save   # the same locked, atomic JSON writes

NOISES = ('sym', 'asym', 'idn')
NAMES = {'sym': 'symmetric', 'asym': 'next class', 'idn': 'instance-dependent'}
METHODS = ('CE', 'ELR', 'ELR+', 'SOP')
CACHE = Path.home()/'.cache'/'fastai_elr'
BACKBONE = dict(arch='resnet10t', classes=[0, 1, 2, 3, 4], n_items=10000, epochs=4, lr=1e-2, bs=64, seed=0)
TASK = dict(classes=[5, 6, 7, 8, 9], n_train=5000, rate=0.4, bs=64)
TOP = 100   # the review's first pages: precision of the top 100 and the share of right suggestions among them

def backbone(cfg=BACKBONE) -> Path:
    "The weights of a timm backbone trained with `vision_learner` on clean items of `cfg['classes']`: made once, then read from the cache"
    h = hashlib.sha256(json.dumps(cfg, sort_keys=True).encode()).hexdigest()[:12]
    fn = CACHE/f"backbone_{cfg['arch']}_{h}.pth"
    if fn.exists(): return fn
    import torch
    from fastai.vision.all import vision_learner, accuracy, set_seed
    from fastai_elr.all import load_fashion_mnist_arrays, arrays_dls, FASHION_MNIST_CLASSES
    xt, yt, xv, yv = load_fashion_mnist_arrays()
    rng = np.random.default_rng(cfg['seed'])
    it = np.sort(rng.choice(np.flatnonzero(np.isin(yt, cfg['classes'])), cfg['n_items'], replace=False))
    iv = np.flatnonzero(np.isin(yv, cfg['classes']))
    o2n = {c: i for i, c in enumerate(cfg['classes'])}
    dls = arrays_dls(xt[it], [o2n[y] for y in yt[it]], xv[iv], [o2n[y] for y in yv[iv]],
                     vocab=[FASHION_MNIST_CLASSES[c] for c in cfg['classes']], bs=cfg['bs'], seed=cfg['seed'])
    set_seed(cfg['seed'], reproducible=True)
    learn = vision_learner(dls, cfg['arch'], pretrained=False, n_in=1, metrics=accuracy)
    cpu = time.process_time()
    with learn.no_bar(): learn.fit_one_cycle(cfg['epochs'], cfg['lr'])
    print(f"backbone {cfg['arch']}: accuracy {float(learn.recorder.values[-1][2]):.4f} on the test items of classes "
          f"{cfg['classes']}, {time.process_time() - cpu:.0f} s CPU", flush=True)
    fn.parent.mkdir(parents=True, exist_ok=True)
    tmp = fn.with_name(f'.{fn.name}.tmp')
    torch.save(learn.model[0].model.state_dict(), tmp)   # the timm model inside fastai's body, without a classifier
    os.replace(tmp, fn)
    return fn

def task_arrays(noise, seed, valid=False):
    "Training images, noise and the scored items (test items; with `valid`, other training items) of the fine-tuning classes"
    from fastai_elr.all import load_fashion_mnist_arrays, make_noise, symmetric_noise, next_class_noise, instance_noise
    xt, yt, xv, yv = load_fashion_mnist_arrays()
    o2n = {c: i for i, c in enumerate(TASK['classes'])}
    pool = np.flatnonzero(np.isin(yt, TASK['classes']))
    rng = np.random.default_rng(seed)
    if valid:   # the training items of these classes in two halves: one to train on, one to score in place of the test set
        half = np.random.default_rng(1000).permutation(pool)
        pool, ev = half[:len(half) // 2], np.sort(half[len(half) // 2:])
        ex, ey = xt[ev][:TASK['n_train']], yt[ev][:TASK['n_train']]
    else:
        ev = np.flatnonzero(np.isin(yv, TASK['classes'])); ex, ey = xv[ev], yv[ev]
    it = np.sort(rng.choice(pool, TASK['n_train'], replace=False))
    x, y = xt[it], np.array([o2n[v] for v in yt[it]])
    fn = {'sym': symmetric_noise, 'asym': next_class_noise, 'idn': instance_noise}[noise]
    return x, make_noise(fn, y, TASK['rate'], x=x, n_classes=len(o2n), seed=seed), ex, np.array([o2n[v] for v in ey])

def arrays_file(name) -> Path: return CACHE/'finetune_runs'/(name.replace('/', '_') + '.npz')

def validate_last(n):
    "A callback that skips fastai's validation but after the last epoch of `fine_tune(n)`: the test items are scored once"
    from fastai.callback.core import Callback, CancelValidException
    class ValidateLast(Callback):
        def before_validate(self):
            if not (self.n_epoch == n and self.epoch == n - 1): raise CancelValidException()
    return ValidateLast()

def run(noise, method, seed, epochs, valid=False):
    "Fine-tune the backbone with `method` on one seed's noisy items; its accuracy, per-item arrays and times"
    import torch
    torch.set_num_threads(1)
    warnings.filterwarnings('ignore')
    from fastai.vision.all import vision_learner, accuracy, set_seed
    from fastai_elr.all import arrays_dls, FASHION_MNIST_CLASSES, ELRCallback, ELRPlusCallback, SOPCallback, MislabelInterpretation
    x, nz, ex, ey = task_arrays(noise, seed, valid)
    dls = arrays_dls(x, nz.noisy, ex, ey, vocab=[FASHION_MNIST_CLASSES[c] for c in TASK['classes']], noise=nz,
                     bs=TASK['bs'], seed=seed)
    name, kw = method_settings(method)
    cbs = {'CE': lambda: [], 'ELR': lambda: [ELRCallback(**kw)], 'ELR+': lambda: [ELRPlusCallback(**kw)], 'SOP': lambda: [SOPCallback(**kw)]}[name]()
    set_seed(seed, reproducible=True)
    learn = vision_learner(dls, BACKBONE['arch'], n_in=1, pretrained=True, metrics=accuracy, cbs=cbs,
                           pretrained_cfg_overlay=dict(file=str(backbone())))
    wall, cpu = time.perf_counter(), time.process_time()
    with learn.no_bar(), learn.no_logging(): learn.fine_tune(epochs, cbs=validate_last(epochs))
    acc = float(learn.recorder.values[-1][2])
    with learn.no_bar(): interp = MislabelInterpretation.from_learner(learn)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    extra = {k: v for k, v in interp.scores.items() if k not in ('disbelief', 'margin', 'self_confidence', *DERIVED)}
    a = dict(probs=interp.probs.numpy(), given=interp.given.numpy(), clean=nz.clean, base=np.array(interp.base),
             meta=np.array(json.dumps(dict(accuracy=acc, cpu_s=cpu, wall_s=wall))),   # the record, should scoring fail
             **({} if interp.targets is None else dict(targets=interp.targets.numpy())),
             **{f'extra_{k}': s.numpy() for k, (s, _) in extra.items()})
    name = key(dict(noise=noise, method=method, seed=seed, epochs=epochs, valid=valid))
    fn = arrays_file(name); fn.parent.mkdir(parents=True, exist_ok=True)
    tmp = fn.with_name(f'.{fn.stem}.tmp.npz')
    np.savez_compressed(tmp, **a); os.replace(tmp, fn)
    return dict(noise=noise, method=method, seed=seed, epochs=epochs, valid=valid, rate=nz.rate, accuracy=acc,
                cpu_s=cpu, wall_s=wall, **score(fn))

DERIVED = ('posterior',)   # scores `MislabelInterpretation` builds from the others: not kept, made again from the arrays

def interp_from_arrays(a):
    "A `MislabelInterpretation` made from saved per-item arrays, without a learner"
    import torch
    from types import SimpleNamespace
    from fastai_elr.all import MislabelInterpretation, FASHION_MNIST_CLASSES
    t = lambda k: torch.from_numpy(a[k]) if k in a else None
    extra = {k[6:]: (torch.from_numpy(a[k]), torch.from_numpy(a['probs']).argmax(1)) for k in a if k.startswith('extra_')}
    from fastai.data.transforms import CategoryMap   # a plain list would be read as a list of vocabularies
    return MislabelInterpretation(None, SimpleNamespace(vocab=CategoryMap([FASHION_MNIST_CLASSES[c] for c in TASK['classes']], sort=False)), None,
                                  probs=t('probs').float(), given=t('given').long(), targets=t('targets'), extra=extra,
                                  base=str(a['base']))

def score(fn) -> dict:
    "Detection numbers of every score, the default's first, and the noise estimate, from a run's saved arrays"
    import torch
    import fastai_elr.health   # noqa: the noise estimate
    a = dict(np.load(fn))
    interp = interp_from_arrays(a)
    clean = torch.from_numpy(a['clean']).long()
    wrong = (clean != interp.given).numpy()
    scores = {}
    for by in interp.scores:
        e = interp.evaluate(clean, by=by)
        rank, sugg = interp.ranking(by).numpy(), interp.suggested(by).numpy()
        tops = {f'{k}': rank[:k] for k in (14, TOP, 1000)}   # the review's first page, the first pages, a long review
        scores[by] = dict(precision=e['precision'], recall=e['recall'], f1=e['f1'], auroc=e['auroc'], p_at_k=e['precision_at_k'],
                          **{f'p_at_{k}': float(wrong[t].mean()) for k, t in tops.items()},
                          **{f'right_at_{k}': float((sugg[t] == a['clean'][t])[wrong[t]].mean()) for k, t in tops.items()},
                          flagged=e['n_flagged'])
    variants = {}   # the posterior's settings, for choosing them on the validation split
    from fastai_elr.health import posterior_score
    p, cnt = interp._item_probs(interp.base), interp.noise_counts('calibrated', interp.base)
    for sm in SMOOTHS:
        sc, sg, fl = posterior_score(p, interp.given, cnt, sm)
        top = np.argsort(-sc, kind='stable')[:TOP]
        for rule, f in (('top_n', fl), ('half', sc > 0.5)):
            pr, rc, f1, _ = skm.precision_recall_fscore_support(wrong, f, average='binary', zero_division=0)
            variants[f'{sm}/{rule}'] = dict(f1=float(f1), precision=float(pr), recall=float(rc), auroc=float(skm.roc_auc_score(wrong, sc)),
                                            p_at_100=float(wrong[top].mean()), right_at_100=float((sg[top] == a['clean'][top])[wrong[top]].mean()))
    return dict(by=interp.by, base=interp.base, scores=scores, variants=variants, noise_estimate=interp.noise_rate(), n=len(wrong))

SMOOTHS = (0., 0.1, 1., 10.)

def key(r) -> str: return f"{'valid/' if r.get('valid') else ''}{r['noise']}/{r['method']}/{r['seed']}/{r['epochs']}"

COLS = ('accuracy', 'f1', 'precision', 'recall', 'auroc', 'p_at_k', 'p_at_100', 'noise_estimate')
HEAD = ['noise (40%)', 'method', 'seeds', 'test accuracy', 'flags F1', 'precision', 'recall', 'AUROC', 'P@k', 'P@100',
        'noise estimate', 'ranked by', 'CPU s']

def _cells(rs) -> str:
    vals = [{**r, **r['scores'][r['by']]} for r in rs]
    cell = lambda c: f"{statistics.mean(v[c] for v in vals):.3f}" + (f" ± {statistics.stdev(v[c] for v in vals):.3f}" if len(vals) > 1 else '')
    return ' | '.join(cell(c) for c in COLS) + f" | {rs[0]['by']} | {statistics.mean(r['cpu_s'] for r in rs):.0f} |"

def method_settings(method:str) -> tuple:
    "The method's name and settings: 'ELR' at its defaults, 'ELR:lam=1,beta=0.9' with those"
    name, _, args = method.partition(':')
    if name not in METHODS: raise argparse.ArgumentTypeError(f"{method!r}: a method is one of {', '.join(METHODS)}, with settings as 'ELR:lam=1'")
    try: return name, {k: float(v) for k, v in (a.split('=') for a in args.split(',') if a)}
    except ValueError: raise argparse.ArgumentTypeError(f"{method!r}: settings are name=number, separated by commas") from None

def table(runs, epochs=5, seeds=(0, 1, 2), valid=False) -> str:
    "Markdown as in the README: one row per noise and method (its variants after it), mean ± sd over the seeds that ran"
    lines = ['| ' + ' | '.join(HEAD) + ' |', '|' + '---|' * len(HEAD)]
    variants = sorted({r['method'] for r in runs.values() if 'method' in r} - set(METHODS))
    for noise in NOISES:
        for method in sorted([*METHODS, *variants], key=lambda m: (METHODS.index(m.partition(':')[0]), m)):
            rs = [runs[k] for s in seeds if (k := key(dict(noise=noise, method=method, seed=s, epochs=epochs, valid=valid))) in runs]
            if rs: lines.append(f"| {NAMES[noise]} | {method} | {','.join(str(r['seed']) for r in rs)} | " + _cells(rs))
    return '\n'.join(lines)

RANK_HEAD = ['run', 'ranked by', 'top 14: wrong / right suggestion', 'top 100', 'top 1,000', 'flags F1', 'AUROC']

def ranking_table(runs, keys=('scratch/asym', 'asym/ELR/0/5', 'idn/ELR/0/5', 'sym/ELR/0/5'), bys=('posterior', 'disbelief')) -> str:
    "Markdown as in the README: the top of the ranking by the default `posterior` and by its base, for the runs `keys`"
    name = lambda k: 'from scratch, next class' if k.startswith('scratch') else f"fine_tune(5), {NAMES[k.split('/')[0]]}"
    lines = ['| ' + ' | '.join(RANK_HEAD) + ' |', '|' + '---|' * len(RANK_HEAD)]
    for k in keys:
        if k not in runs: continue
        for by in bys:
            sc = runs[k]['scores'][by]
            top = ' | '.join(f"{sc[f'p_at_{n}']:.2f} / {sc[f'right_at_{n}']:.2f}" for n in (14, TOP, 1000))
            lines.append(f"| {name(k)} | {by} | {top} | {sc['f1']:.3f} | {sc['auroc']:.3f} |")
    return '\n'.join(lines)

def scratch(results):
    "The README's noise report run (`elr_train --data fashion_mnist --asym --percent 0.4 --n-train 10000 --epochs 10`), its arrays kept"
    import tempfile, torch
    torch.set_num_threads(1)
    from fastai_elr.cli import parser, settings
    from fastai_elr.run import train
    from fastai_elr.all import MislabelInterpretation
    argv = ['--data', 'fashion_mnist', '--asym', '--percent', '0.4', '--n-train', '10000', '--epochs', '10']
    with tempfile.TemporaryDirectory() as d:
        cfg, out, _ = settings(parser().parse_args(argv + ['--out', f'{d}/run', '--quiet']))
        cpu = time.process_time()
        learn = train(cfg, out, quiet=True, log=lambda *a: None)
        with learn.no_bar(), warnings.catch_warnings():
            warnings.simplefilter('ignore'); interp = MislabelInterpretation.from_learner(learn)
        cpu = time.process_time() - cpu
    fn = arrays_file('scratch/asym'); fn.parent.mkdir(parents=True, exist_ok=True)
    a = dict(probs=interp.probs.numpy(), given=interp.given.numpy(), clean=learn.dls.noise.clean, base=np.array(interp.base),
             targets=interp.targets.numpy())
    tmp = fn.with_name(f'.{fn.stem}.tmp.npz'); np.savez_compressed(tmp, **a); os.replace(tmp, fn)
    return dict(command='elr_train ' + ' '.join(argv), cpu_s=cpu, rate=learn.dls.noise.rate, **score_scratch(fn))

def score_scratch(fn) -> dict:
    "`score` for the from-scratch run, whose ten classes are Fashion-MNIST's own"
    global TASK
    keep, TASK = TASK, {**TASK, 'classes': list(range(10))}
    try: return score(fn)
    finally: TASK = keep

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--epochs', type=int, nargs='+', default=[5], help='fine_tune(n) for each n')
    p.add_argument('--seeds', type=int, nargs='+', default=[0])
    p.add_argument('--noises', nargs='+', default=list(NOISES), choices=NOISES)
    p.add_argument('--methods', nargs='+', default=list(METHODS), help="CE, ELR, ELR+, SOP, or one with settings: 'ELR:lam=1'")
    p.add_argument('--valid', action='store_true', help='train and score on two parts of the training items (choosing settings)')
    p.add_argument('--rescore', action='store_true', help='recompute the scores of every recorded run from its saved arrays')
    p.add_argument('--scratch', action='store_true', help="the README's next-class run from scratch, ranked")
    p.add_argument('--table', action='store_true', help='print the tables of the recorded runs and stop')
    p.add_argument('--results', type=Path, default=Path(__file__).with_name('finetune_table.json'))
    args = p.parse_args()
    for m in args.methods:
        try: method_settings(m)
        except argparse.ArgumentTypeError as e: p.error(str(e))
    settings = dict(backbone=BACKBONE, task=TASK)
    results = json.loads(args.results.read_text()) if args.results.exists() else {}
    if results.get('settings', settings) != settings:
        raise SystemExit(f"{args.results} holds runs made with other settings ({results.get('settings')}): pass another --results")
    runs = results.get('runs', {})
    if args.rescore:
        for k, r in sorted(runs.items()):
            fn = arrays_file(k)
            if not fn.exists(): print(f"{k}: no saved arrays ({fn}), left as recorded"); continue
            r = {**r, **(score_scratch(fn) if k == 'scratch/asym' else score(fn))}
            runs = save(args.results, k, r, settings)['runs']
            print(f"{k:22} by {r['by']}: F1 {r['scores'][r['by']]['f1']:.3f}, P@100 {r['scores'][r['by']]['p_at_100']:.2f}")
    elif args.scratch:
        r = scratch(results)
        runs = save(args.results, 'scratch/asym', r, settings)['runs']
    elif not args.table:
        todo = [(n, m, s, e) for e in args.epochs for s in args.seeds for n in args.noises for m in args.methods
                if key(dict(noise=n, method=m, seed=s, epochs=e, valid=args.valid)) not in runs]
        print(f"fine_tune of {BACKBONE['arch']} (trained on Fashion-MNIST classes {BACKBONE['classes']}) on {TASK['n_train']} items of "
              f"classes {TASK['classes']}, 40% noise; {len(todo)} runs to do", flush=True)
        for n, m, s, e in todo:
            r = run(n, m, s, e, args.valid)
            runs = save(args.results, key(r), r, settings)['runs']
            sc = r['scores'][r['by']]
            print(f"{key(r):22} acc {r['accuracy']:.4f} F1 {sc['f1']:.3f} AUROC {sc['auroc']:.3f} P@100 {sc['p_at_100']:.2f} "
                  f"noise {r['noise_estimate']:.3f} ({r['by']}), {r['cpu_s']:.0f} s CPU, {r['wall_s']:.0f} s wall", flush=True)
    for e in sorted({r['epochs'] for k, r in runs.items() if 'epochs' in r}):
        for v in (False, True):
            t = table(runs, e, valid=v)
            if t.count('\n') > 1: print(f"\nfine_tune({e}){' on the validation split' if v else ''}\n{t}")
    print(f"\nthe top of the ranking\n{ranking_table(runs)}")
    if 'scratch/asym' in runs:
        r = runs['scratch/asym']
        print(f"\n{r['command']}: " + ', '.join(f"{by} P@100 {s['p_at_100']:.2f} right {s['right_at_100']:.2f} F1 {s['f1']:.3f}"
                                                for by, s in r['scores'].items()))
