"""How far the README's digits figures move with the thread count and the seed: the tolerance its slow check states.

    python benchmarks/readme_spread.py                       # ELR, SOP, ELR+, CE; 1 thread seeds 0-2, 2 threads seed 0
    python benchmarks/readme_spread.py --methods ELR --runs 1:0 2:0

Each run executes the README's own code cell (taken from nbs/index.ipynb, its `0` seeds replaced) in a fresh process
with `OMP_NUM_THREADS` and `torch.set_num_threads` set before torch starts, and prints the clean test accuracy beside
wall and CPU seconds. The number of threads changes the order in which CPU kernels add up their vectors, so the same
seed gives slightly different weights after ten epochs; a seed changes the split, the noise and the initial weights.
Results are appended to benchmarks/readme_spread.json (rewritten whole after each run).
"""
import argparse, json, os, re, subprocess, sys, time
from pathlib import Path
from fastai_elr.cli import THREAD_WAIT   # loads no torch

HERE = Path(__file__).resolve().parent
CELLS = {  # method: (a string only its README cell holds, the learner the cell trains)
    'ELR': ('cbs=ELRCallback())', 'learn'),
    'SOP': ('cbs=SOPCallback())', 'learn'),
    'ELR+': ('cbs=ELRPlusCallback())', 'learn'),
    'CE': ('ce_dls = digits_dls', 'ce'),
}

def readme_cell(method, seed):
    "The README's code for `method`, its seeds set to `seed`"
    marker, _ = CELLS[method]
    nb = json.loads((HERE.parent / 'nbs' / 'index.ipynb').read_text())
    src, = [s for c in nb['cells'] if c['cell_type'] == 'code' and marker in (s := ''.join(c['source']))]
    src = '\n'.join(l for l in src.splitlines() if not l.startswith('#|'))
    src = src.split('\nce_acc')[0]   # the CE cell goes on to compare with ELR's accuracy, which this run has not
    return re.sub(r'set_seed\(0\)', f'set_seed({seed})', re.sub(r'seed=0\b', f'seed={seed}', src))

def child(method, seed):
    "Run one README cell here; print its accuracy, wall and CPU seconds as one JSON line"
    import torch
    torch.set_num_threads(int(os.environ['OMP_NUM_THREADS']))
    from fastai.vision.all import defaults, ProgressCallback
    import fastai.vision.all as fv, fastai_elr.all as fe
    defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]   # no bars in a log
    env = {**vars(fv), **vars(fe)}
    w, c = time.perf_counter(), time.process_time()
    exec(readme_cell(method, seed), env)
    learn = env[CELLS[method][1]]
    with learn.no_logging(): acc = float(learn.validate()[1])
    print('RESULT ' + json.dumps(dict(method=method, seed=seed, threads=torch.get_num_threads(), acc=round(acc, 4),
                                      wall_s=round(time.perf_counter() - w, 1), cpu_s=round(time.process_time() - c, 1))))

def save(rows, fn):
    tmp = fn.with_suffix('.tmp'); tmp.write_text(json.dumps(rows, indent=1)); os.replace(tmp, fn)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--methods', nargs='+', default=list(CELLS), choices=list(CELLS))
    p.add_argument('--runs', nargs='+', default=['1:0', '2:0', '1:1', '1:2'], help='THREADS:SEED pairs, in order')
    p.add_argument('--out', default=str(HERE / 'readme_spread.json'))
    p.add_argument('--child', nargs=2, metavar=('METHOD', 'SEED'), help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child: return child(a.child[0], int(a.child[1]))
    fn = Path(a.out); rows = json.loads(fn.read_text()) if fn.exists() else []
    for run in a.runs:
        threads, seed = map(int, run.split(':'))
        for m in a.methods:
            env = {**THREAD_WAIT, **os.environ, 'OMP_NUM_THREADS': str(threads), 'MKL_NUM_THREADS': str(threads)}   # threads wait as elr_train's do
            out = subprocess.run([sys.executable, __file__, '--child', m, str(seed)], env=env, capture_output=True, text=True)
            line = [l for l in out.stdout.splitlines() if l.startswith('RESULT ')]
            if not line: sys.exit(f'{m} seed {seed}, {threads} threads failed:\n{out.stderr[-3000:]}')
            r = json.loads(line[-1][7:]); print(r, flush=True)
            rows = [x for x in rows if (x['method'], x['seed'], x['threads']) != (m, seed, threads)] + [r]
            save(rows, fn)
    for m in a.methods:
        rs = [r for r in rows if r['method'] == m]
        base = [r['acc'] for r in rs if r['seed'] == 0 and r['threads'] == 1]
        if rs and base: print(f"{m}: " + ', '.join(f"seed {r['seed']} {r['threads']}t {r['acc']:.4f}" for r in rs)
                              + f"; largest distance from seed 0, one thread: {max(abs(r['acc'] - base[0]) for r in rs):.4f}")

if __name__ == '__main__': main()
