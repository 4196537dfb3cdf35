"""Kill `elr_train` at random moments (SIGKILL, or SIGINT as Ctrl-C does) and resume it until it completes; tally.

    python benchmarks/kill_resume.py --runs 5 --arch resnet18 --epochs 4

Each run starts `elr_train` on the digits and kills it after a random delay, then resumes it with `-r`
(again killed at random) until it finishes. A resume must never fail, and the finished run must hold
every epoch once, in order. A large model (resnet18: a 130 MB checkpoint with its optimizer) makes the
checkpoint writes long enough for many kills to land inside them; `--in-write` prints how many did
(a kill is counted as in a write when it left a new temporary file of the checkpoint behind).
"""
import argparse, json, os, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
from fastai_elr.runfolder import finished

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--runs', type=int, default=5)
    p.add_argument('--arch', default='resnet18')
    p.add_argument('--epochs', type=int, default=4)
    p.add_argument('--min-delay', type=float, default=4.)
    p.add_argument('--max-delay', type=float, default=30.)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    rng, root = np.random.default_rng(a.seed), Path(tempfile.mkdtemp())
    env = os.environ | {'OMP_NUM_THREADS': '1', 'PYTHONWARNINGS': 'ignore'}
    tally = dict(kills=0, sigint=0, in_write=0, resumes=0, resume_failures=0, runs_completed=0)
    for r in range(a.runs):
        out = root/f'run{r}'
        while True:
            args = ['-r', out] if (out/'last.pth').exists() else ['--arch', a.arch, '--epochs', a.epochs, '--out', out, '--overwrite']
            resuming, tmps = args[0] == '-r', set(out.glob('.last*.tmp')) if out.exists() else set()
            proc = subprocess.Popen(['elr_train', *map(str, args), '-q'], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            try: rc = proc.wait(timeout=float(rng.uniform(a.min_delay, a.max_delay)))
            except subprocess.TimeoutExpired:
                sig = signal.SIGINT if rng.random() < 0.25 else signal.SIGKILL
                proc.send_signal(sig); proc.wait()
                tally['kills'] += 1; tally['sigint'] += sig == signal.SIGINT
                tally['in_write'] += bool(set(out.glob('.last*.tmp')) - tmps) if out.exists() else 0
                tally['resumes'] += resuming
                continue
            tally['resumes'] += resuming
            if rc != 0:
                tally['resume_failures'] += 1
                print(f"run {r}: elr_train {' '.join(map(str, args))} failed: {proc.stderr.read().decode().strip()}", file=sys.stderr)
                break
            if finished(out):   # its manifest, written last, and every file it lists
                epochs = [e['epoch'] for e in json.loads((out/'metrics.json').read_text())['history']]
                ok = epochs == list(range(a.epochs))
                tally['runs_completed'] += ok
                print(f"run {r}: complete, epochs {epochs}{'' if ok else '  NOT CONTIGUOUS'}")
                break
    print(json.dumps(tally))
    shutil.rmtree(root, ignore_errors=True)

if __name__ == '__main__': main()
