"""
train-step-torch.py - the peer of bench_train.c: bilm-tf's training step
written in PyTorch, for `npm run bench:train` (tests/bench/train-bench.js).
A benchmark-only script: nothing in the project needs Python.

The same network and recipe as the C trainer (src/train/), on the model an
options JSON describes (bilm-tf's keys), batch 64 x unroll 20, vocabulary
50,000, random tokens and targets like bench_train.c's:

- token layer over the batch's table of distinct tokens (as the C trainer
  and bench_train.c have it; --cnn-per-position computes it for every
  position of each direction instead, as bilm-tf's graph does): char
  embedding, one convolution per filter with max over time and the
  activation, highways (carry bias -2), projection;
- per direction a stack of LSTM layers (TensorFlow's LSTMCell: forget bias
  1, cell clip, projection with clip), skip connections from layer 1 on,
  dropout on each layer's input and on the top output, state carried from
  step to step with the gradient cut;
- one softmax W [V, P], b [V] for both directions, sampled per direction as
  tf.nn.sampled_softmax_loss does (log-uniform sampler, unique samples, log
  expected count subtracted, accidental hits removed);
- loss 0.5 * (forward mean NLL + backward mean NLL), its gradient times
  unroll (bilm-tf's train()), clipped to global norm 10, Adagrad lr 0.2
  with initial accumulator 1.0 and no epsilon.

Not copied from the C trainer: its shortcut for windows of PAD chars only
(one product per batch); PyTorch convolves every window, as bilm-tf does.

Its best setup: torch.set_num_threads(n) (and OMP_NUM_THREADS and
OPENBLAS_NUM_THREADS = n before torch loads), each LSTM layer's input
products for all steps in one matmul (only the recurrent product per step),
the random draws and the state carry under torch.no_grad, multi-tensor
Adagrad, one warm-up step not timed. It refuses to run on a BLAS other than
OpenBLAS (Debian's python3-torch falls back to the reference BLAS, which
would make a slow straw man) unless --any-blas.

Prints "train_step_torch <tokens/s> <s/step> <loss> <torch version> <BLAS
library>", tokens/s counting batch x unroll positions per step as
bench_train does. Usage:
  python3 train-step-torch.py --options '<json>' --negatives K [--steps S] [--threads N]
"""
import argparse
import json
import math
import os
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
parser.add_argument('--options', required=True, help="the model's options.json, as a JSON string")
parser.add_argument('--negatives', type=int, required=True)
parser.add_argument('--steps', type=int, default=3, help='timed steps after one warm-up')
parser.add_argument('--threads', type=int, default=1)
parser.add_argument('--vocab', type=int, default=50000)
parser.add_argument('--batch', type=int, default=64)
parser.add_argument('--unroll', type=int, default=20)
parser.add_argument('--cnn-per-position', action='store_true',
                    help="the char CNN over every position of each direction (bilm-tf's graph), not the token table")
parser.add_argument('--any-blas', action='store_true', help='run even when torch does not use OpenBLAS')
args = parser.parse_args()
if args.threads < 1 or args.steps < 1 or args.negatives < 1:
    sys.exit('train-step-torch: --threads, --steps and --negatives must be >= 1')

# before torch loads: OpenMP and OpenBLAS read these once
os.environ['OMP_NUM_THREADS'] = os.environ['OPENBLAS_NUM_THREADS'] = str(args.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(args.threads)
torch.set_num_interop_threads(1)
torch.autograd.set_detect_anomaly(False)
torch.manual_seed(1)

options = json.loads(args.options)
cnn, lstm = options['char_cnn'], options['lstm']
V, B, T, K = args.vocab, args.batch, args.unroll, args.negatives
N = B * T
D = cnn['embedding']['dim']
L = cnn['max_characters_per_token']
FILTERS = cnn['filters']
N_FEATURES = sum(n for _, n in FILTERS)
ACT = torch.relu if cnn['activation'] == 'relu' else torch.tanh
N_HIGHWAY = cnn.get('n_highway', 0) or 0
P, H, LAYERS = lstm['projection_dim'], lstm['dim'], lstm.get('n_layers', 1)
CELL_CLIP, PROJ_CLIP = lstm.get('cell_clip'), lstm.get('proj_clip')
SKIP = bool(lstm.get('use_skip_connections'))
DROPOUT = 0.1
BOS, EOS, BOW, EOW, PAD = 256, 257, 258, 259, 260  # bilm-tf's char ids; char_embed has 261 rows


def uniform(shape, scale):
    return torch.empty(shape).uniform_(-scale, scale)


def normal(shape, std):
    return torch.empty(shape).normal_(0.0, std)


class BiLM(torch.nn.Module):
    """bilm-tf's LanguageModel (training.py) with its initializers."""

    def __init__(self):
        super().__init__()
        prm = torch.nn.Parameter
        self.char_embed = prm(uniform((261, D), 1.0))
        relu = cnn['activation'] == 'relu'
        # conv1d's layout (out, in, width) of bilm-tf's W_cnn (1, width, in, out)
        self.cnn_w = torch.nn.ParameterList(
            prm(uniform((n, D, w), 0.05) if relu else normal((n, D, w), math.sqrt(1.0 / (w * D)))) for w, n in FILTERS)
        self.cnn_b = torch.nn.ParameterList(prm(torch.zeros(n)) for _, n in FILTERS)
        s = math.sqrt(1.0 / N_FEATURES)
        self.hw = torch.nn.ParameterList()
        for _ in range(N_HIGHWAY):
            self.hw.extend([prm(normal((N_FEATURES, N_FEATURES), s)), prm(torch.full((N_FEATURES,), -2.0)),
                            prm(normal((N_FEATURES, N_FEATURES), s)), prm(torch.zeros(N_FEATURES))])
        self.proj = None
        if N_FEATURES != P:
            self.proj = torch.nn.ParameterList([prm(normal((N_FEATURES, P), s)), prm(torch.zeros(P))])
        # per direction and layer: W_0's input rows, its recurrent rows, B, W_P_0 (glorot uniform, zeros)
        g, gp = math.sqrt(6.0 / (2 * P + 4 * H)), math.sqrt(6.0 / (H + P))
        self.cells = torch.nn.ParameterList()
        for _ in range(2 * LAYERS):
            self.cells.extend([prm(uniform((P, 4 * H), g)), prm(uniform((P, 4 * H), g)), prm(torch.zeros(4 * H)),
                               prm(uniform((H, P), gp))])
        self.softmax_w = prm(normal((V, P), 1.0 / math.sqrt(P)))
        self.softmax_b = prm(torch.zeros(V))

    def tokens(self, chars):
        """(U, L) char ids -> (U, P) token vectors."""
        x = F.embedding(chars, self.char_embed).transpose(1, 2)  # (U, D, L)
        # the bias is the same at every window, so it goes after the max
        y = torch.cat([ACT(F.conv1d(x, w).max(2).values + b) for w, b in zip(self.cnn_w, self.cnn_b)], 1)
        for k in range(N_HIGHWAY):
            w_carry, b_carry, w_tr, b_tr = self.hw[4 * k:4 * k + 4]
            gate = torch.sigmoid(torch.addmm(b_carry, y, w_carry))
            y = gate * torch.relu(torch.addmm(b_tr, y, w_tr)) + (1 - gate) * y
        return torch.addmm(self.proj[1], y, self.proj[0]) if self.proj is not None else y

    def lstm_layer(self, x, index, h, c):
        """One layer of one direction over (B, T, P) inputs from state (h, c); outputs and final state."""
        w_x, w_h, bias, w_p = self.cells[4 * index:4 * index + 4]
        # all steps' input products in one matmul; unbind, not gx[:, t], whose backward would write a
        # full-size zero gradient per step
        gx = torch.addmm(bias, x.reshape(N, P), w_x).view(B, T, 4 * H).unbind(1)
        outs = []
        for t in range(T):
            i, j, f, o = torch.addmm(gx[t], h, w_h).chunk(4, 1)
            c = torch.sigmoid(f + 1.0) * c + torch.sigmoid(i) * torch.tanh(j)
            if CELL_CLIP:
                c = c.clamp(-CELL_CLIP, CELL_CLIP)
            h = (torch.sigmoid(o) * torch.tanh(c)) @ w_p
            if PROJ_CLIP:
                h = h.clamp(-PROJ_CLIP, PROJ_CLIP)
            outs.append(h)
        return torch.stack(outs, 1), h, c


def char_table(n):
    """Like bench_train.c: n distinct 3..9-letter words, as bilm-tf's char ids (BOW word EOW PAD...)."""
    chars = np.full((n, L), PAD, dtype=np.int64)
    seed = 1
    for u in range(n):
        seed = (seed * 1664525 + 1013904223) & 0xFFFFFFFF
        word = [97 + (u * 7 + i * 13) % 26 for i in range(3 + (seed >> 16) % 7)][:L - 2]
        chars[u, 0], chars[u, 1:1 + len(word)], chars[u, 1 + len(word)] = BOW, word, EOW
    return torch.from_numpy(chars)


rng = np.random.default_rng(1)
LOG_RANGE = math.log(V + 1.0)


def log_expected_count(ids, tries):
    """TensorFlow's log of the expected count of each id in `tries` draws of the log-uniform sampler."""
    p = np.log((ids + 2.0) / (ids + 1.0)) / LOG_RANGE
    return np.log(-np.expm1(tries * np.log1p(-p)))


def sample(targets):
    """log_uniform_candidate_sampler with unique=True: the first K distinct draws, and the log expected counts."""
    draws = np.empty(0, dtype=np.int64)
    while True:
        more = (np.exp(rng.random(4 * K) * LOG_RANGE).astype(np.int64) - 1) % V
        draws = np.concatenate([draws, more])
        ids, first = np.unique(draws, return_index=True)
        if len(ids) >= K:
            break
    order = np.sort(first)[:K]  # the draw positions of the first K distinct values
    ids, tries = draws[order], order[-1] + 1
    return (torch.from_numpy(ids), torch.from_numpy(log_expected_count(ids, tries)).float(),
            torch.from_numpy(log_expected_count(targets.numpy(), tries)).float())


def sampled_nll(model, hs, targets):
    """tf.nn.sampled_softmax_loss over the shared softmax, mean over positions."""
    with torch.no_grad():
        ids, log_q, true_log_q = sample(targets)
        slot = torch.full((V,), -1, dtype=torch.int64)
        slot[ids] = torch.arange(K)
        hit = slot[targets]
        rows = (hit >= 0).nonzero().squeeze(1)
        accidental = torch.zeros(N, K, dtype=torch.bool)
        accidental[rows, hit[rows]] = True
    w, b = model.softmax_w, model.softmax_b
    true_logit = (hs * w[targets]).sum(1) + b[targets] - true_log_q
    sampled_logits = torch.addmm(b[ids] - log_q, hs, w[ids].t()).masked_fill(accidental, -math.inf)
    logits = torch.cat([true_logit.unsqueeze(1), sampled_logits], 1)
    return F.cross_entropy(logits, torch.zeros(N, dtype=torch.int64))


def main():
    model = BiLM()
    params = list(model.parameters())
    opt = torch.optim.Adagrad(params, lr=0.2, initial_accumulator_value=1.0, eps=0.0, foreach=True)
    table = char_table(N)
    # per direction: positions -> token table, and next-token targets
    tokens = [torch.randint(0, N, (N,)) for _ in range(2)]
    targets = [torch.randint(0, V, (N,)) for _ in range(2)]
    chars = [table[tokens[d]] for d in range(2)] if args.cnn_per_position else None
    state = [[(torch.zeros(B, P), torch.zeros(B, H)) for _ in range(LAYERS)] for _ in range(2)]

    def step():
        if args.cnn_per_position:
            inputs = [model.tokens(chars[d]) for d in range(2)]
        else:
            tok = model.tokens(table)
            inputs = [tok[tokens[d]] for d in range(2)]
        losses = []
        for d in range(2):
            x = inputs[d].view(B, T, P)
            for layer in range(LAYERS):
                x_in = F.dropout(x, DROPOUT, training=True)
                h, c = state[d][layer]
                y, h, c = model.lstm_layer(x_in, d * LAYERS + layer, h, c)
                with torch.no_grad():
                    state[d][layer] = (h.detach(), c.detach())  # carried, gradient cut
                x = y + x_in if SKIP and layer > 0 else y
            hs = F.dropout(x.reshape(N, P), DROPOUT, training=True)
            losses.append(sampled_nll(model, hs, targets[d]))
        loss = 0.5 * (losses[0] + losses[1])
        opt.zero_grad(set_to_none=True)
        (loss * T).backward()
        torch.nn.utils.clip_grad_norm_(params, 10.0)
        opt.step()
        return loss.item()

    step()  # warm-up, not timed
    libs = [line.split()[-1] for line in open('/proc/self/maps')]
    blas = next((lib for lib in libs if 'libopenblas' in lib), next((lib for lib in libs if 'blas' in lib), 'no-BLAS'))
    if 'openblas' not in blas and not args.any_blas:
        sys.exit(f'train-step-torch: torch uses {blas}, not OpenBLAS; install libopenblas0-openmp '
                 '(or pass --any-blas)')
    started = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    seconds = (time.perf_counter() - started) / args.steps
    print(f'train_step_torch {N / seconds:.1f} {seconds:.3f} {loss:.3f} {torch.__version__} {blas}')


main()
