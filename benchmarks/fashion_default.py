"""`elr_train --data fashion_mnist --percent 0.4` end to end beside plain fastai cross entropy on the same model, loaders
and settings (`--method ce`): wall time, CPU time, clean test accuracy and detection AUROC of each, and their ratio, in
one run. Runs are interleaved (default, CE, default, ...) so that a busy machine slows both alike; the load average is
printed with them. `--before` adds the settings the default had before (the small CNN, 10 epochs, batches of 128).

    python benchmarks/fashion_default.py                        # one run of each, torch's own threads
    OMP_NUM_THREADS=1 python benchmarks/fashion_default.py      # one torch thread
    python benchmarks/fashion_default.py --repeats 2 --before
    python benchmarks/fashion_default.py --extra --epochs 1     # a quick try of the script itself
"""
import argparse, json, os, resource, subprocess, sys, tempfile, time
from pathlib import Path

BEFORE = ['--arch', 'cnn', '--epochs', '10', '--bs', '128', '--lr', '0.003']

def timed(argv, env=None):
    "Wall and CPU seconds (this child and its children) of running `argv`, with its completed process"
    c0, w0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    r = subprocess.run(argv, capture_output=True, text=True, env=env)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - w0, (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime), r

def one_run(extra, out):
    wall, cpu, r = timed(['elr_train', '--data', 'fashion_mnist', '--percent', '0.4', '--out', str(out), '-q', *extra])
    if r.returncode: sys.exit(r.stderr[-2000:])
    m = json.loads((out/'metrics.json').read_text())
    return dict(wall_s=wall, cpu_s=cpu, train_s=m['wall_s'], accuracy=m['accuracy_last'], auroc=m['detection'].get('auroc'))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--repeats', type=int, default=1)
    p.add_argument('--before', action='store_true', help="also time the settings the default had before")
    p.add_argument('--extra', nargs=argparse.REMAINDER, default=[], help="more elr_train flags for every run (last on the line)")
    args = p.parse_args()
    helps = [timed(['elr_train', '--help'])[0] for _ in range(3)]
    print(f"elr_train --help: {min(helps):.2f} s (best of 3); cores: {os.cpu_count()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    root, runs = Path(tempfile.mkdtemp()), {}
    kinds = [('default', []), ('CE', ['--method', 'ce'])] + ([('before', BEFORE)] if args.before else [])
    for i in range(args.repeats):
        for name, extra in kinds:
            r = one_run(extra + args.extra, root/f'{name}{i}')
            runs.setdefault(name, []).append(r)
            auroc = '-' if r['auroc'] is None else f"{r['auroc']:.4f}"
            print(f"{name:8s} wall {r['wall_s']:6.0f} s  CPU {r['cpu_s']:6.0f} s  (training {r['train_s']:5.0f} s)  clean accuracy "
                  f"{r['accuracy']:.4f}  AUROC {auroc}  load average {os.getloadavg()[0]:.1f}", flush=True)
    mean = lambda name, k: sum(r[k] for r in runs[name]) / len(runs[name])
    print(f"default / CE: wall {mean('default', 'wall_s') / mean('CE', 'wall_s'):.2f}x, CPU {mean('default', 'cpu_s') / mean('CE', 'cpu_s'):.2f}x")
