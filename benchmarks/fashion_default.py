"""`elr_train --data fashion_mnist --percent 0.4` end to end: wall time, CPU time, clean test accuracy and detection
AUROC, for the default settings and for the settings it had before (the small CNN, 10 epochs, batches of 128),
plus how long `elr_train --help` takes. Runs are interleaved (default, before, default, ...) so that a busy machine
slows both alike.

    python benchmarks/fashion_default.py                 # one run of each
    python benchmarks/fashion_default.py --repeats 2 --skip-before
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
    return dict(wall_s=wall, cpu_s=cpu, accuracy=m['accuracy_last'], auroc=m['detection']['auroc'], arch=m.get('arch'))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--repeats', type=int, default=1)
    p.add_argument('--skip-before', action='store_true', help="time the default only")
    args = p.parse_args()
    helps = [timed(['elr_train', '--help'])[0] for _ in range(3)]
    print(f"elr_train --help: {min(helps):.2f} s (best of 3), cores: {os.cpu_count()}", flush=True)
    root = Path(tempfile.mkdtemp())
    for i in range(args.repeats):
        for name, extra in [('default', [])] + ([] if args.skip_before else [('before', BEFORE)]):
            r = one_run(extra, root/f'{name}{i}')
            print(f"{name:8s} wall {r['wall_s']:6.0f} s  cpu {r['cpu_s']:6.0f} s  clean accuracy {r['accuracy']:.4f}  AUROC {r['auroc']:.4f}", flush=True)
