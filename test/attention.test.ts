import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames, usable } from "./backends.js";
import { expectClose } from "./close.js";

/**
 * Attention: `F.scaledDotProductAttention` against a plain-JS oracle over row-major arrays (masks,
 * causal, scale, dropout), with gradcheck on backends that read synchronously in float64; and
 * `nn.MultiheadAttention` / `nn.TransformerEncoderLayer` against torch 1.13 fixtures: each
 * module's state dict and an input/output pair, loaded into ours with `loadStateDict`.
 */

const F = mt.nn.functional;
type Tensor = mt.Tensor;

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** Row-major [B, L, E] style arrays with their dims, for the oracle. */
interface Dims {
  b: number;
  l: number;
  s: number;
  e: number;
  ev: number;
}

/**
 * Plain-JS attention of row-major q [b, l, e], k [b, s, e], v [b, s, ev]: for each row,
 * softmax_j(scale·q·k_j + mask(b, i, j)) then the weighted sum of v rows; `drop(b, i, j)` scales
 * each weight after the softmax (inverted dropout).
 */
function attentionOracle(
  q: readonly number[],
  k: readonly number[],
  v: readonly number[],
  { b, l, s, e, ev }: Dims,
  scale: number,
  mask: (bi: number, i: number, j: number) => number = () => 0,
  drop: (bi: number, i: number, j: number) => number = () => 1,
): number[] {
  const out: number[] = [];
  for (let bi = 0; bi < b; bi++) {
    for (let i = 0; i < l; i++) {
      const scores: number[] = [];
      for (let j = 0; j < s; j++) {
        let dot = 0;
        for (let c = 0; c < e; c++) dot += q[(bi * l + i) * e + c] * k[(bi * s + j) * e + c];
        scores.push(dot * scale + mask(bi, i, j));
      }
      const top = Math.max(...scores);
      const exps = scores.map((x) => Math.exp(x - top));
      const total = exps.reduce((a, x) => a + x, 0);
      const weights = exps.map((x, j) => (x / total) * drop(bi, i, j));
      for (let c = 0; c < ev; c++) {
        let acc = 0;
        for (let j = 0; j < s; j++) acc += weights[j] * v[(bi * s + j) * ev + c];
        out.push(acc);
      }
    }
  }
  return out;
}

/** A torch state dict as the fixtures hold it: key → [shape, row-major values]. */
type TorchState = Record<string, [number[], number[]]>;

/** The fixture's state dict as tensors on `backend`. */
function stateOf(state: TorchState, backend: mt.BackendName): Record<string, Tensor> {
  return Object.fromEntries(
    Object.entries(state).map(([key, [shape, vals]]) => [
      key,
      mt.tensor(vals, { backend }).reshape(shape),
    ]),
  );
}

/** Each key of a module's state dict with its shape, in order. */
function shapesOf(sd: Record<string, unknown>): [string, readonly number[]][] {
  return Object.entries(sd).map(([key, t]) => [key, mt.nn.shapeOf(t)]);
}

/** A MultiheadAttention fixture: torch's state dict, inputs, output and averaged weights. */
interface MhaFixture {
  state: TorchState;
  q: number[];
  k: number[];
  v: number[];
  out: number[];
  weights: number[];
}

/** A TransformerEncoderLayer fixture: torch's state dict, an input and its output. */
interface LayerFixture {
  state: TorchState;
  x: number[];
  y: number[];
}

/** float32 results of a few matmuls and a softmax against torch's float32: a loose bound. */
const f32 = { abs: 2e-5, rel: 1e-4 } as const;

/** `print(torch.nn.TransformerEncoderLayer(4, 2, dim_feedforward=8))` in torch 1.13. */
const TORCH_ENCODER_REPR = `TransformerEncoderLayer(
  (self_attn): MultiheadAttention(
    (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)
  )
  (linear1): Linear(in_features=4, out_features=8, bias=True)
  (dropout): Dropout(p=0.1, inplace=False)
  (linear2): Linear(in_features=8, out_features=4, bias=True)
  (norm1): LayerNorm((4,), eps=1e-05, elementwise_affine=True)
  (norm2): LayerNorm((4,), eps=1e-05, elementwise_affine=True)
  (dropout1): Dropout(p=0.1, inplace=False)
  (dropout2): Dropout(p=0.1, inplace=False)
)`;

/*
 * The torch 1.13 fixtures, printed by this script (run with /usr/bin/python3; state dicts as
 * key → [shape, values], tensors row-major, rounded to 6 decimals):
 *
 * import json, torch
 * torch.manual_seed(0)
 * r = lambda t: [round(float(x), 6) for x in t.detach().flatten()]
 * sd = lambda m: {k: [list(v.shape), r(v)] for k, v in m.state_dict().items()}
 * out = {}
 * def bump(m):  # biases start at zero: perturb them so the tests see them
 *     with torch.no_grad():
 *         for n, p in m.named_parameters():
 *             if "bias" in n: p.add_(0.1 * torch.randn(p.shape))
 * mha = torch.nn.MultiheadAttention(4, 2).eval(); bump(mha)
 * q, k, v = torch.randn(3, 2, 4), torch.randn(3, 2, 4), torch.randn(3, 2, 4)
 * pad = torch.tensor([[False, False, True], [False, False, False]])
 * am = torch.tensor([[False, True, False], [False, False, False], [True, False, False]])
 * o1, w1 = mha(q, k, v)
 * o2, w2 = mha(q, k, v, key_padding_mask=pad, attn_mask=am, average_attn_weights=False)
 * out["mha"] = dict(state=sd(mha), q=r(q), k=r(k), v=r(v), out=r(o1), weights=r(w1), maskedOut=r(o2), maskedWeights=r(w2))
 * kv = torch.nn.MultiheadAttention(4, 2, kdim=3, vdim=5, batch_first=True).eval(); bump(kv)
 * q, k, v = torch.randn(2, 3, 4), torch.randn(2, 3, 3), torch.randn(2, 3, 5)
 * o, w = kv(q, k, v)
 * out["kdim"] = dict(state=sd(kv), q=r(q), k=r(k), v=r(v), out=r(o), weights=r(w))
 * for name, kw in [("post", dict(activation="relu")), ("pre", dict(activation="gelu", norm_first=True, batch_first=True))]:
 *     layer = torch.nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, **kw).eval()
 *     with torch.no_grad():  # LayerNorm starts at ones/zeros: perturb so the affine part is tested
 *         for n in ("norm1", "norm2"):
 *             getattr(layer, n).weight.add_(0.1 * torch.randn(4)); getattr(layer, n).bias.add_(0.1 * torch.randn(4))
 *     x = torch.randn(3, 2, 4)
 *     y = layer(x, src_key_padding_mask=pad if name == "post" else None)
 *     out[name] = dict(state=sd(layer), x=r(x), y=r(y))
 * enc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(4, 2, dim_feedforward=8), 2, norm=torch.nn.LayerNorm(4)).eval()
 * with torch.no_grad():  # the copies start equal: make layer 1 differ, so each key must reach its own layer
 *     for p in enc.layers[1].parameters(): p.add_(0.1 * torch.randn(p.shape))
 * x = torch.randn(3, 2, 4)
 * causal = torch.triu(torch.full((3, 3), float("-inf")), diagonal=1)
 * out["encoder"] = dict(state=sd(enc), x=r(x), y=r(enc(x, mask=causal)))
 * print(json.dumps(out))
 */
const FIXTURES: {
  mha: MhaFixture & { maskedOut: number[]; maskedWeights: number[] };
  kdim: MhaFixture;
  post: LayerFixture;
  pre: LayerFixture;
  encoder: LayerFixture;
} = {
  mha: {
    state: {
      in_proj_weight: [
        [12, 4],
        [
          0.222424, 0.508507, -0.126026, 0.458246, -0.098704, 0.064798, 0.554489, -0.56808,
          -0.385512, -0.155031, -0.238703, 0.52909, -0.396927, -0.281895, -0.427828, -0.573524,
          -0.357467, 0.526394, 0.273252, 0.2968, 0.032206, -0.313953, 0.103604, -0.571769, -0.44248,
          -0.315696, 0.386369, 0.359047, -0.271584, -0.022096, 0.391649, 0.60878, 0.24304, 0.082727,
          0.410587, -0.360566, 0.114112, -0.474776, -0.424427, -0.316342, 0.277082, 0.246272,
          -0.36274, 0.185002, 0.336175, -0.077292, 0.023381, 0.14189,
        ],
      ],
      in_proj_bias: [
        [12],
        [
          -0.221878, 0.025898, -0.10297, -0.050076, 0.027337, -0.09181, -0.004042, 0.028812,
          -0.000754, -0.09145, -0.108858, -0.02666,
        ],
      ],
      "out_proj.weight": [
        [4, 4],
        [
          -0.003743, 0.268222, -0.411523, -0.36797, -0.192577, 0.134079, -0.009907, 0.396445,
          -0.044372, 0.132306, -0.151107, -0.098283, -0.477674, -0.331141, -0.206112, 0.018522,
        ],
      ],
      "out_proj.bias": [[4], [0.018942, -0.021902, 0.205759, -0.003542]],
    },
    q: [
      -2.613322, -1.696474, -0.228242, 0.279955, 0.073246, 1.113318, 0.282267, 0.434226, 0.09295,
      -0.6661, 0.608047, -0.73002, -0.883376, -0.418913, -0.804826, 0.56561, 0.180367, 0.108332,
      -0.754823, 0.244319, -0.077326, 0.116399, -0.593991, -1.243928,
    ],
    k: [
      -0.02502, 1.369381, 2.657023, 0.985119, -0.259642, 0.118337, 0.243959, 1.164601, 0.998457,
      -0.498715, 0.761111, 0.618301, -0.299384, -0.187778, 1.915898, 0.690195, -0.314035, -1.078708,
      0.240811, -1.396227, 0.113552, 1.104726, -1.395172, 0.475119,
    ],
    v: [
      1.081073, 0.131478, 1.573538, 0.78143, 0.987437, -1.487808, 0.586687, 0.158295, -0.633404,
      -1.46772, -0.878485, -2.078397, 1.171089, 0.097496, 0.963375, 0.840323, -0.263452, 1.280466,
      0.019395, -0.880804, 0.955222, 1.283578, -0.665861, 0.565134,
    ],
    out: [
      0.068522, 0.087663, 0.231788, -0.160927, -0.328546, 0.044938, 0.074486, -0.083191, 0.200535,
      -0.117768, 0.255871, -0.096749, -0.201151, 0.101785, 0.127975, 0.006483, 0.172554, -0.132948,
      0.240824, -0.128934, -0.255069, 0.071732, 0.103871, -0.016647,
    ],
    weights: [
      0.441238, 0.241038, 0.317725, 0.189866, 0.303882, 0.506252, 0.414112, 0.328733, 0.257155,
      0.295312, 0.276587, 0.428101, 0.349169, 0.402786, 0.248045, 0.333438, 0.345366, 0.321196,
    ],
    maskedOut: [
      -0.32798, -0.081352, 0.036467, 0.055862, -0.282196, 0.082874, 0.102884, -0.129089, 0.521379,
      0.10043, 0.421031, -0.3857, -0.201151, 0.101785, 0.127975, 0.006483, 0.893231, -0.001977,
      0.558556, -0.43654, -0.44519, 0.028335, 0.024946, 0.057743,
    ],
    maskedWeights: [
      1.0, 0.0, 0.0, 0.160627, 0.839372, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.482245, 0.517755, 0.0,
      0.0, 1.0, 0.0, 0.524692, 0.0, 0.475308, 0.352516, 0.263166, 0.384318, 0.0, 0.493293, 0.506707,
      0.315434, 0.0, 0.684566, 0.345821, 0.542406, 0.111772, 0.0, 0.544528, 0.455472,
    ],
  },
  kdim: {
    state: {
      q_proj_weight: [
        [4, 4],
        [
          0.285955, 0.649717, -0.278787, 0.001386, 0.44585, -0.837526, 0.62612, -0.716136, 0.011936,
          -0.147239, -0.456112, 0.114463, 0.716133, -0.253156, -0.514154, -0.32029,
        ],
      ],
      k_proj_weight: [
        [4, 3],
        [
          -0.917625, 0.41791, -0.444638, -0.617837, -0.533366, 0.532306, 0.49029, 0.710587,
          0.335816, -0.309187, -0.258719, 0.273515,
        ],
      ],
      v_proj_weight: [
        [4, 5],
        [
          0.671189, 0.221999, -0.386322, -0.383817, -0.771972, 0.176402, -0.458204, -0.727969,
          0.715967, -0.530242, -0.092886, 0.233921, 0.026012, -0.549406, -0.659992, 0.650815,
          0.132957, 0.677386, -0.273723, 0.240504,
        ],
      ],
      in_proj_bias: [
        [12],
        [
          0.110757, 0.06578, -0.004232, 0.045804, 0.01448, -0.141948, 0.204391, 0.096381, 0.032781,
          -0.144421, -0.138352, -0.079867,
        ],
      ],
      "out_proj.weight": [
        [4, 4],
        [
          -0.035903, 0.494619, 0.180619, 0.014157, -0.433305, 0.247689, -0.35614, -0.141932,
          -0.167758, -0.074044, 0.005469, 0.412404, 0.062419, 0.447846, 0.305856, -0.316107,
        ],
      ],
      "out_proj.bias": [[4], [-0.092759, 0.077495, 0.123691, -0.076985]],
    },
    q: [
      -0.12923, -0.054595, 0.408347, 1.126366, 1.935057, 1.007685, 1.004642, -0.43352, -0.562711,
      -0.832754, -1.395545, -0.399295, -0.30994, -0.056062, 0.517413, -1.596237, 0.35696, -2.297482,
      -0.871083, -1.674028, 0.563055, -1.435067, 0.7194, -1.370747,
    ],
    k: [
      0.322071, -0.101568, 0.115762, 0.777301, -1.092097, -0.061085, -1.49276, -1.764409, 0.294201,
      0.797322, -1.972134, -1.933917, 2.143229, -0.9626, -0.563566, 1.644596, 1.450221, 4.101493,
    ],
    v: [
      -0.043268, 1.839319, -0.555015, 0.78675, 0.681587, 1.51776, -0.764473, 0.240841, 0.493001,
      -0.478126, -1.886911, 0.742793, -0.092458, -1.430901, 1.476492, -0.29032, 0.513566, -0.225798,
      -0.636, 1.108164, -0.005608, 1.458494, -0.759463, -0.060682, 0.890679, 0.473211, -0.520663,
      1.025552, -0.559575, 0.434338,
    ],
    out: [
      -0.29353, 0.136188, 0.149916, -0.317975, -1.133923, 0.213982, 0.402021, -1.08654, -0.395965,
      0.156104, 0.173443, -0.412574, -0.722258, 0.030386, 0.319006, -0.774553, -0.70831, -0.127678,
      0.640439, -1.005407, -0.731082, -0.009357, 0.371868, -0.821982,
    ],
    weights: [
      0.390935, 0.386597, 0.222468, 0.121537, 0.128422, 0.750041, 0.380712, 0.355325, 0.263963,
      0.383151, 0.223007, 0.393843, 0.052171, 0.060346, 0.887483, 0.258053, 0.151205, 0.590742,
    ],
  },
  post: {
    state: {
      "self_attn.in_proj_weight": [
        [12, 4],
        [
          -0.601275, -0.238514, 0.132108, -0.480811, 0.195202, 0.328726, 0.085309, -0.409728,
          -0.474784, -0.188927, 0.268806, 0.604042, 0.352132, -0.068959, 0.214708, -0.600776,
          -0.523028, 0.285738, -0.346857, 0.29461, -0.432293, -0.303315, -0.504404, 0.319561,
          -0.062398, 0.471283, 0.37898, 0.338852, 0.019692, -0.189332, -0.133149, 0.081385,
          0.303559, -0.429022, 0.513951, -0.066583, -0.513135, -0.331329, 0.541838, 0.560031,
          -0.567228, 0.431905, 0.306896, 0.362475, 0.518391, -0.330038, 0.193372, 0.250603,
        ],
      ],
      "self_attn.in_proj_bias": [
        [12],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      ],
      "self_attn.out_proj.weight": [
        [4, 4],
        [
          -0.480647, -0.48583, -0.101432, 0.336216, -0.473239, 0.415594, -0.200011, 0.146442,
          0.022801, -0.45086, 0.414665, 0.269222, 0.496998, 0.252606, -0.330034, 0.417292,
        ],
      ],
      "self_attn.out_proj.bias": [[4], [0.0, 0.0, 0.0, 0.0]],
      "linear1.weight": [
        [8, 4],
        [
          -0.147747, 0.167327, -0.143857, 0.309131, -0.138727, -0.186398, 0.125875, 0.177347,
          -0.244286, 0.044199, 0.289768, -0.049748, 0.152167, -0.120593, 0.17525, -0.362197,
          -0.294014, -0.253795, 0.459505, -0.134542, -0.001365, -0.242248, 0.499145, 0.488335,
          -0.377093, -0.405335, -0.378996, -0.002411, -0.127452, -0.327273, -0.179336, 0.094465,
        ],
      ],
      "linear1.bias": [
        [8],
        [-0.261245, 0.110791, -0.114658, -0.242282, 0.068693, 0.411129, -0.33804, 0.023217],
      ],
      "linear2.weight": [
        [4, 8],
        [
          -0.130379, 0.346944, -0.335438, -0.338938, 0.348386, -0.22369, 0.067784, -0.030514,
          -0.074478, -0.078965, 0.224662, 0.016899, -0.344225, -0.208724, -0.120526, 0.177914,
          -0.228796, 0.333372, -0.078747, -0.063485, 0.27703, 0.177699, 0.299856, 0.204511,
          -0.107252, -0.234573, -0.026305, 0.292614, -0.11866, -0.327875, 0.144932, 0.344174,
        ],
      ],
      "linear2.bias": [[4], [-0.100651, -0.292751, -0.320694, 0.0886]],
      "norm1.weight": [[4], [0.940695, 0.828119, 1.042389, 1.091989]],
      "norm1.bias": [[4], [-0.128626, 0.112671, -0.171199, -0.042944]],
      "norm2.weight": [[4], [0.946718, 0.946274, 0.991243, 1.043979]],
      "norm2.bias": [[4], [0.135831, 0.025833, -0.052852, 0.089788]],
    },
    x: [
      -1.045611, 0.700931, 2.109917, -1.123911, 0.760704, -2.635472, 0.543266, -0.107151, 0.540757,
      -0.947807, 0.202144, -0.350748, 0.545005, 1.541211, 0.600239, -0.338015, 0.404663, 0.893129,
      -1.454091, 1.187493, -0.299523, 2.296318, 0.330546, 2.174768,
    ],
    y: [
      -0.736466, 0.035532, 1.558063, -0.655617, 0.810432, -1.510099, 0.864998, 0.073722, 0.598029,
      -1.604001, 0.687068, 0.598941, -0.589063, 1.524038, -0.9885, 0.221683, -0.086541, 0.354954,
      -1.478287, 1.473173, -1.330164, 0.420416, -0.114266, 1.335751,
    ],
  },
  pre: {
    state: {
      "self_attn.in_proj_weight": [
        [12, 4],
        [
          -0.091235, -0.024284, 0.41936, -0.165692, 0.536826, -0.407725, -0.066265, -0.032891,
          0.273247, 0.418664, -0.097063, -0.507339, 0.303426, 0.18318, 0.24599, -0.377753, 0.39412,
          0.580012, 0.053136, -0.571986, 0.429879, -0.454044, 0.140767, 0.088989, -0.286613,
          0.213225, -0.547726, 0.139474, -0.388214, -0.066218, 0.078769, 0.521707, -0.292175,
          0.392308, -0.077792, -0.290833, -0.533254, -0.561863, 0.598049, -0.152725, 0.030587,
          0.166022, 0.416249, 0.522644, 0.496645, -0.453696, -0.098112, -0.362364,
        ],
      ],
      "self_attn.in_proj_bias": [
        [12],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      ],
      "self_attn.out_proj.weight": [
        [4, 4],
        [
          0.080825, 0.460378, -0.2387, 0.178814, -0.125354, -0.108431, 0.367652, -0.387493,
          0.053107, 0.470205, -0.068706, 0.388219, -0.153978, 0.402481, -0.483665, -0.072062,
        ],
      ],
      "self_attn.out_proj.bias": [[4], [0.0, 0.0, 0.0, 0.0]],
      "linear1.weight": [
        [8, 4],
        [
          -0.285676, 0.118604, 0.469324, -0.400552, 0.302602, -0.259233, -0.097387, 0.396885,
          -0.113085, 0.045528, -0.349516, 0.42562, -0.064635, -0.365695, 0.146405, -0.355509,
          -0.396754, 0.03046, 0.396422, -0.141492, 0.235333, 0.429661, 0.33163, -0.262281, -0.05481,
          -0.157342, -0.402061, 0.000207, 0.376218, 0.421258, 0.04665, 0.113562,
        ],
      ],
      "linear1.bias": [
        [8],
        [-0.216461, 0.377421, -0.208054, -0.347326, 0.076997, 0.299693, -0.450796, 0.451984],
      ],
      "linear2.weight": [
        [4, 8],
        [
          0.127184, -0.247704, -0.076158, 0.306736, -0.271258, -0.103336, 0.115959, -0.309743,
          0.193817, 0.184041, 0.219276, -0.225407, 0.35214, -0.209573, 0.352967, -0.339302,
          -0.315005, 0.217151, 0.036951, 0.020396, -0.195783, -0.148307, -0.103375, -0.344416,
          0.018374, 0.062529, -0.000299, 0.114173, 0.335469, 0.094004, -0.129426, -0.145504,
        ],
      ],
      "linear2.bias": [[4], [-0.226205, -0.24509, -0.05694, -0.062531]],
      "norm1.weight": [[4], [1.011903, 0.936411, 1.274835, 1.019666]],
      "norm1.bias": [[4], [-0.012038, -0.050164, 0.127168, 0.073509]],
      "norm2.weight": [[4], [0.855027, 1.075342, 1.059936, 0.985102]],
      "norm2.bias": [[4], [-0.234599, 0.137336, 0.114435, -0.04736]],
    },
    x: [
      -1.06547, 0.402578, -0.405242, -0.583366, -0.258523, -0.605559, -0.188242, 0.959607, 1.189619,
      -0.179522, -1.82324, -0.051351, -1.636092, -2.510569, -1.238273, -0.929619, -0.058536,
      0.772879, 0.468944, 0.259886, 0.757624, -2.041813, -0.552378, 0.626977,
    ],
    y: [
      -1.809421, 0.265522, -1.253252, -0.737658, -0.935583, -0.168581, -0.277289, 0.895623,
      0.942622, -0.641808, -1.314794, 0.191541, -2.337986, -2.449408, -1.1789, -1.030267, -0.499053,
      0.581766, -0.204214, 0.483244, 0.177832, -1.979503, -0.253285, 0.653643,
    ],
  },
  encoder: {
    state: {
      "layers.0.self_attn.in_proj_weight": [
        [12, 4],
        [
          0.160955, 0.430831, -0.262333, 0.282315, -0.542861, -0.038883, 0.204258, 0.183647,
          0.512438, 0.601752, 0.55711, 0.411142, 0.430536, -0.079014, -0.47523, -0.227329,
          -0.068748, -0.330918, 0.313027, 0.214959, 0.098807, 0.147925, 0.53794, 0.223045,
          -0.537014, -0.444509, 0.269903, 0.083454, 0.298649, -0.611589, -0.56514, 0.375523,
          0.391701, -0.55402, 0.232448, -0.478167, 0.463754, 0.192157, 0.605506, -0.603794,
          -0.589516, 0.414026, 0.543678, 0.375188, 0.407123, -0.515784, 0.443244, -0.57817,
        ],
      ],
      "layers.0.self_attn.in_proj_bias": [
        [12],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      ],
      "layers.0.self_attn.out_proj.weight": [
        [4, 4],
        [
          -0.49992, 0.025602, -0.014811, 0.075218, 0.383125, 0.486005, -0.296641, -0.031177,
          -0.200337, -0.460823, -0.36383, 0.469281, 0.291531, 0.268576, 0.277872, -0.39724,
        ],
      ],
      "layers.0.self_attn.out_proj.bias": [[4], [0.0, 0.0, 0.0, 0.0]],
      "layers.0.linear1.weight": [
        [8, 4],
        [
          0.111701, -0.327517, -0.198598, 0.088534, -0.19659, -0.079111, -0.473912, -0.471437,
          0.193682, -0.211639, -0.304195, -0.197291, -0.408784, -0.3997, 0.299186, 0.254121,
          0.066602, -0.27313, 0.16635, 0.022463, -0.357336, 0.107595, 0.455272, -0.491803,
          -0.497196, 0.064062, 0.376511, -0.304245, 0.110069, 0.351493, 0.154158, 0.108205,
        ],
      ],
      "layers.0.linear1.bias": [
        [8],
        [0.498863, 0.325736, -0.281214, 0.043218, 0.255436, 0.440955, -0.497466, 0.270753],
      ],
      "layers.0.linear2.weight": [
        [4, 8],
        [
          -0.102648, -0.346207, 0.07848, -0.192479, 0.050103, -0.229543, -0.266059, -0.029999,
          -0.118768, 0.206781, 0.030483, 0.275969, 0.066257, -0.113689, 0.239474, 0.01932, 0.066359,
          -0.113711, 0.001269, -0.067979, -0.030058, -0.275729, -0.002174, -0.293465, -0.07606,
          0.204901, -0.245843, -0.238313, -0.086329, -0.096921, 0.059852, 0.058695,
        ],
      ],
      "layers.0.linear2.bias": [[4], [0.179286, -0.243556, -0.024951, 0.197739]],
      "layers.0.norm1.weight": [[4], [1.0, 1.0, 1.0, 1.0]],
      "layers.0.norm1.bias": [[4], [0.0, 0.0, 0.0, 0.0]],
      "layers.0.norm2.weight": [[4], [1.0, 1.0, 1.0, 1.0]],
      "layers.0.norm2.bias": [[4], [0.0, 0.0, 0.0, 0.0]],
      "layers.1.self_attn.in_proj_weight": [
        [12, 4],
        [
          -0.065624, 0.54074, -0.245941, 0.240299, -0.627693, -0.002609, 0.258561, 0.040261,
          0.563134, 0.621113, 0.623918, 0.273752, 0.583903, -0.132307, -0.517204, -0.297836,
          -0.022449, -0.242893, 0.234774, 0.245307, 0.095731, 0.060602, 0.561767, 0.17655,
          -0.436032, -0.469024, 0.352078, 0.213685, 0.248614, -0.655764, -0.599625, 0.200232,
          0.407981, -0.617847, 0.322245, -0.516533, 0.493549, 0.373098, 0.596376, -0.49452,
          -0.599762, 0.241373, 0.495215, 0.446398, 0.589155, -0.600991, 0.409104, -0.59198,
        ],
      ],
      "layers.1.self_attn.in_proj_bias": [
        [12],
        [
          -0.058762, 0.10815, -0.231189, -0.105088, 0.21975, -0.023247, 0.038773, 0.068696,
          -0.107952, -0.024974, -0.130527, -0.099026,
        ],
      ],
      "layers.1.self_attn.out_proj.weight": [
        [4, 4],
        [
          -0.612218, 0.087699, -0.10245, -0.102182, 0.302088, 0.338408, -0.229939, 0.035703,
          -0.207856, -0.444393, -0.36108, 0.527412, 0.315029, 0.375743, 0.225585, -0.469369,
        ],
      ],
      "layers.1.self_attn.out_proj.bias": [[4], [-0.04829, 0.193252, 0.009146, 0.052851]],
      "layers.1.linear1.weight": [
        [8, 4],
        [
          0.036866, -0.185277, -0.184751, 0.07194, -0.069901, -0.128727, -0.458106, -0.422547,
          0.235129, -0.169687, -0.280395, -0.200759, -0.385841, -0.376247, 0.331271, 0.32451,
          -0.081347, -0.322589, 0.203674, 0.197822, -0.488167, 0.062681, 0.470418, -0.489825,
          -0.452927, 0.063276, 0.342041, -0.302085, 0.139831, 0.10621, 0.248476, 0.18552,
        ],
      ],
      "layers.1.linear1.bias": [
        [8],
        [0.720717, 0.226523, -0.170634, 0.035038, 0.218213, 0.397242, -0.47839, 0.358057],
      ],
      "layers.1.linear2.weight": [
        [4, 8],
        [
          -0.108061, -0.325919, 0.040593, -0.014984, 0.148853, -0.196201, -0.340665, -0.146591,
          -0.099943, 0.296126, 0.095399, 0.136699, 0.188058, -0.071351, 0.348162, 0.012942,
          0.126034, -0.013456, -0.080782, -0.01706, 0.065081, -0.198355, -0.216645, -0.28905,
          0.053001, 0.271393, -0.19277, -0.280633, -0.125199, -0.063599, 0.089227, 0.042941,
        ],
      ],
      "layers.1.linear2.bias": [[4], [0.196645, -0.452534, -0.048284, 0.167217]],
      "layers.1.norm1.weight": [[4], [0.951092, 0.848256, 0.933563, 1.086681]],
      "layers.1.norm1.bias": [[4], [-0.042604, -0.056171, -0.053639, -0.058547]],
      "layers.1.norm2.weight": [[4], [0.978996, 0.881429, 1.055239, 0.983097]],
      "layers.1.norm2.bias": [[4], [-0.073714, -0.035306, -0.002222, 0.078657]],
      "norm.weight": [[4], [1.0, 1.0, 1.0, 1.0]],
      "norm.bias": [[4], [0.0, 0.0, 0.0, 0.0]],
    },
    x: [
      0.732245, -0.150333, -0.707132, 0.467497, 0.278677, 1.335679, 1.155313, -0.056298, -1.074763,
      -0.021186, -1.233959, 2.190479, 0.224234, 1.14365, -2.113832, 0.473416, -1.793062, -0.114731,
      -1.331445, -0.039395, -0.143512, -0.547164, 0.872831, -0.262761,
    ],
    y: [
      1.679937, -0.875234, -0.612064, -0.192638, 0.314174, 0.609935, -1.707496, 0.783387, -0.46632,
      -1.261387, 0.272701, 1.455006, 0.746345, -0.287966, -1.504915, 1.046536, -1.02649, -0.815129,
      0.379484, 1.462135, 0.622053, -1.473697, 1.160184, -0.30854,
    ],
  },
};

describe.each(loadedBackendNames)("attention on the %s backend", (backend) => {
  const { impl, sync } = usable(backend);
  const wide: mt.DType = impl.dtypes.includes("float64") ? "float64" : "float32";
  const tol = wide === "float64" ? { abs: 1e-9, rel: 1e-9 } : { abs: 1e-5, rel: 1e-4 };
  const itSync = it.runIf(sync);
  const randn = (shape: number[], seed: number, requiresGrad = false) =>
    mt.randn(shape, { seed, backend, dtype: wide, requiresGrad });
  const bools = (v: number[], shape: number[]) =>
    mt.tensor(v, { dtype: "bool", backend }).reshape(shape);
  const floats = (v: number[], shape: number[]) =>
    mt.tensor(v, { dtype: wide, backend }).reshape(shape);

  describe("scaledDotProductAttention", () => {
    const dims: Dims = { b: 2, l: 3, s: 5, e: 4, ev: 3 };
    const qkv = (requiresGrad = false) => [
      randn([2, 3, 4], 1, requiresGrad),
      randn([2, 5, 4], 2, requiresGrad),
      randn([2, 5, 3], 3, requiresGrad),
    ];

    it("is softmax(q kᵀ/√E) v, [..., L, E] × [..., S, E] × [..., S, Ev] → [..., L, Ev]", async () => {
      const [q, k, v] = qkv();
      const out = F.scaledDotProductAttention(q, k, v);
      expect(out.shape).toEqual([2, 3, 3]);
      const [qa, ka, va] = await Promise.all([q, k, v].map(values));
      expectClose(await values(out), attentionOracle(qa, ka, va, dims, 0.5), tol);
    });

    it("takes a scale and adds a float mask that broadcasts to [..., L, S]", async () => {
      const [q, k, v] = qkv();
      const m = Array.from({ length: 15 }, (_, i) => ((i * 7) % 5) - 2);
      const out = F.scaledDotProductAttention(q, k, v, { attnMask: floats(m, [3, 5]), scale: 0.3 });
      const [qa, ka, va] = await Promise.all([q, k, v].map(values));
      const want = attentionOracle(qa, ka, va, dims, 0.3, (_, i, j) => m[i * 5 + j]);
      expectClose(await values(out), want, tol);
    });

    it("lets a bool mask's true keys take part and gives false ones −∞", async () => {
      const [q, k, v] = qkv();
      const keep = [1, 0, 1, 1, 0, 0, 1, 1, 1, 1];
      const mask = bools(keep, [2, 1, 5]);
      const out = F.scaledDotProductAttention(q, k, v, { attnMask: mask });
      const [qa, ka, va] = await Promise.all([q, k, v].map(values));
      const want = attentionOracle(qa, ka, va, dims, 0.5, (bi, _, j) =>
        keep[bi * 5 + j] === 1 ? 0 : -Infinity,
      );
      expectClose(await values(out), want, tol);
    });

    it("isCausal lets query i see keys j ≤ i (the lower triangle, also for L ≠ S)", async () => {
      const [q, k, v] = qkv();
      const out = F.scaledDotProductAttention(q, k, v, { isCausal: true });
      const [qa, ka, va] = await Promise.all([q, k, v].map(values));
      const want = attentionOracle(qa, ka, va, dims, 0.5, (_, i, j) => (j <= i ? 0 : -Infinity));
      expectClose(await values(out), want, tol);
    });

    it("broadcasts batch dims and gives NaN for a row whose keys are all masked", async () => {
      const q = randn([2, 2, 3, 4], 4);
      const k = randn([1, 5, 4], 5);
      const v = randn([1, 5, 3], 6);
      const keep = Array.from({ length: 15 }, (_, n) => (n < 5 ? 0 : 1));
      const out = F.scaledDotProductAttention(q, k, v, { attnMask: bools(keep, [3, 5]) });
      expect(out.shape).toEqual([2, 2, 3, 3]);
      const got = await values(out);
      const [qa, ka, va] = await Promise.all([q, k, v].map(values));
      const kRep = [...ka, ...ka, ...ka, ...ka];
      const vRep = [...va, ...va, ...va, ...va];
      const want = attentionOracle(qa, kRep, vRep, { ...dims, b: 4 }, 0.5, (_, i) =>
        i === 0 ? -Infinity : 0,
      );
      expectClose(got, want, { ...tol, equalNan: true });
      expect(got.filter(Number.isNaN).length).toBe(4 * 3);
    });

    it("drops attention weights with dropoutP, drawn row-major from the generator", async () => {
      const [q, k, v] = qkv();
      const p = 0.4;
      const out = F.scaledDotProductAttention(q, k, v, {
        dropoutP: p,
        generator: new mt.Random(7),
      });
      const rng = new mt.Random(7);
      const keepScale = Array.from({ length: 2 * 3 * 5 }, () => (rng.next() < p ? 0 : 1 / (1 - p)));
      const [qa, ka, va] = await Promise.all([q, k, v].map(values));
      const want = attentionOracle(qa, ka, va, dims, 0.5, undefined, (bi, i, j) => {
        return keepScale[(bi * 3 + i) * 5 + j];
      });
      expectClose(await values(out), want, tol);
      const all = F.scaledDotProductAttention(q, k, v, { dropoutP: 1 });
      expect(await values(all)).toEqual(new Array(18).fill(0));
    });

    itSync("passes gradcheck, with a float mask and causal", () => {
      const m = floats(
        Array.from({ length: 15 }, (_, i) => (i % 4) - 1.5),
        [3, 5],
      );
      const check = (options: mt.nn.functional.ScaledDotProductAttentionOptions) =>
        mt.testing.gradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v, options), qkv(true));
      expect(check({ attnMask: m, scale: 0.7 })).toBe(true);
      expect(check({ isCausal: true })).toBe(true);
    });

    it("checks its arguments", () => {
      const [q, k, v] = qkv();
      const sdpa = F.scaledDotProductAttention;
      expect(() => sdpa(q, randn([2, 5, 3], 0), v)).toThrow(/same last dim/);
      expect(() => sdpa(q, k, randn([2, 4, 3], 0))).toThrow(/same sequence length/);
      expect(() => sdpa(randn([4], 0), k, v)).toThrow(mt.ShapeError);
      expect(() => sdpa(q, k, v, { attnMask: bools(new Array(12).fill(1), [3, 4]) })).toThrow(
        /attnMask of shape \[3,4\] does not broadcast to the attention scores' shape \[2,3,5\]/,
      );
      const ints = mt.tensor(new Array(15).fill(0), { dtype: "int32", backend }).reshape([3, 5]);
      expect(() => sdpa(q, k, v, { attnMask: ints })).toThrow(mt.DTypeError);
      const causalAndMask = { isCausal: true, attnMask: floats(new Array(15).fill(0), [3, 5]) };
      expect(() => sdpa(q, k, v, causalAndMask)).toThrow(/either attnMask or isCausal/);
      expect(() => sdpa(q, k, v, { dropoutP: 2 })).toThrow(/probability/);
      expect(() => sdpa(q, k, v, { enableGqa: true } as never)).toThrow(/unknown option enableGqa/);
    });
  });

  describe("MultiheadAttention", () => {
    const fx = FIXTURES.mha;
    const loaded = async (f: { state: TorchState }, options?: mt.nn.MultiheadAttentionOptions) => {
      const mha = await new mt.nn.MultiheadAttention(4, 2, options).eval().to(backend);
      mha.loadStateDict(stateOf(f.state, backend));
      return mha;
    };
    const t = (vals: number[], shape: number[]) => mt.tensor(vals, { backend }).reshape(shape);

    it("has torch's parameter names, shapes and initialisation", async () => {
      const mha = await new mt.nn.MultiheadAttention(4, 2).to(backend);
      const torchShapes = Object.entries(fx.state).map(([key, [shape]]) => [key, shape]);
      expect(shapesOf(mha.stateDict())).toEqual(torchShapes);
      const separate = new mt.nn.MultiheadAttention(4, 2, { kdim: 3, vdim: 5 });
      const kdimShapes = Object.entries(FIXTURES.kdim.state).map(([key, [shape]]) => [key, shape]);
      expect(shapesOf(separate.stateDict())).toEqual(kdimShapes);
      // Xavier uniform over [12, 4]: |w| ≤ √(6 / 16); biases zero.
      const w = await values(mha.in_proj_weight!.value);
      expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 16));
      expect(new Set(w).size).toBe(48);
      expect(await values(mha.in_proj_bias!.value)).toEqual(new Array(12).fill(0));
      expect(await values(mha.out_proj.bias!.value)).toEqual([0, 0, 0, 0]);
      expect(new mt.nn.MultiheadAttention(4, 2, { bias: false }).stateDict()).not.toHaveProperty(
        "in_proj_bias",
      );
    });

    it("matches torch's output and head-averaged weights, [L, N, E] → [L, N, E], [N, L, S]", async () => {
      const mha = await loaded(fx);
      const [out, weights] = mha.forward(
        t(fx.q, [3, 2, 4]),
        t(fx.k, [3, 2, 4]),
        t(fx.v, [3, 2, 4]),
      );
      expect(out.shape).toEqual([3, 2, 4]);
      expect(weights?.shape).toEqual([2, 3, 3]);
      expectClose(await values(out), fx.out, f32, "output");
      expectClose(await values(weights!), fx.weights, f32, "weights");
      const sd = mha.stateDict();
      const back = await Promise.all(Object.keys(fx.state).map((key) => values(sd[key] as Tensor)));
      expectClose(
        back.flat(),
        Object.values(fx.state).flatMap(([, vals]) => vals),
        { abs: 1e-7 },
      );
    });

    it("matches torch with a key padding mask, a bool attention mask and per-head weights", async () => {
      const mha = await loaded(fx);
      const [out, weights] = mha.forward(
        t(fx.q, [3, 2, 4]),
        t(fx.k, [3, 2, 4]),
        t(fx.v, [3, 2, 4]),
        {
          keyPaddingMask: bools([0, 0, 1, 0, 0, 0], [2, 3]),
          attnMask: bools([0, 1, 0, 0, 0, 0, 1, 0, 0], [3, 3]),
          averageAttnWeights: false,
        },
      );
      expect(weights?.shape).toEqual([2, 2, 3, 3]);
      expectClose(await values(out), fx.maskedOut, f32, "output");
      expectClose(await values(weights!), fx.maskedWeights, f32, "weights");
    });

    it("matches torch with kdim, vdim and batchFirst ([N, L, E] in and out)", async () => {
      const f = FIXTURES.kdim;
      const mha = await loaded(f, { kdim: 3, vdim: 5, batchFirst: true });
      const [out, weights] = mha.forward(t(f.q, [2, 3, 4]), t(f.k, [2, 3, 3]), t(f.v, [2, 3, 5]));
      expect(out.shape).toEqual([2, 3, 4]);
      expectClose(await values(out), f.out, f32, "output");
      expectClose(await values(weights!), f.weights, f32, "weights");
    });

    it("takes unbatched [L, E] inputs, and returns null weights without needWeights", async () => {
      const mha = await loaded(fx);
      // Batch element 0 of the fixture's [L, N, E] inputs.
      const first = (a: number[]) => [0, 1, 2].flatMap((i) => a.slice(i * 8, i * 8 + 4));
      const [q, k, v] = [fx.q, fx.k, fx.v].map((a) => t(first(a), [3, 4]));
      const [out, weights] = mha.forward(q, k, v);
      expect(out.shape).toEqual([3, 4]);
      expect(weights?.shape).toEqual([3, 3]);
      expectClose(await values(out), first(fx.out), f32, "output");
      expectClose(await values(weights!), fx.weights.slice(0, 9), f32, "weights");
      expect(mha.forward(q, k, v, { needWeights: false })[1]).toBeNull();
    });

    it("trains: gradients reach every parameter, and dropout 1 leaves only out_proj.bias", async () => {
      const mha = await new mt.nn.MultiheadAttention(4, 2, { dropout: 1 }).to(backend);
      const x = randn([3, 2, 4], 8).to("float32");
      const [out] = mha.forward(x, x, x);
      const bias = await values(mha.out_proj.bias!.value);
      expectClose(await values(out), new Array(6).fill(bias).flat(), { abs: 1e-7 });
      mha.eval();
      const [evalOut] = mha.forward(x, x, x);
      evalOut.square().sum().backward();
      for (const [name, p] of mha.namedParameters()) {
        expect((p.value as Tensor).grad?.shape, name).toEqual((p.value as Tensor).shape);
      }
    });

    it("prints as torch's", () => {
      expect(String(new mt.nn.MultiheadAttention(4, 2))).toBe(
        "MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)\n)",
      );
    });

    it("checks its arguments", async () => {
      const MHA = mt.nn.MultiheadAttention;
      expect(() => new MHA(5, 2)).toThrow(/embedDim 5 must be divisible by numHeads 2/);
      expect(() => new MHA(4, 2, { addBiasKv: true } as never)).toThrow(/not supported yet/);
      expect(() => new MHA(4, 2, { dropout: 1.5 })).toThrow(/probability/);
      const mha = await new MHA(4, 2).to(backend);
      const x = randn([3, 2, 4], 0).to("float32");
      expect(() => mha.forward(x, x, x, { attnMask: bools(new Array(6).fill(0), [2, 3]) })).toThrow(
        /2-D attnMask must have shape \[3,3\], got \[2,3\]/,
      );
      expect(() =>
        mha.forward(x, x, x, { attnMask: bools(new Array(27).fill(0), [3, 3, 3]) }),
      ).toThrow(/3-D attnMask/);
      expect(() =>
        mha.forward(x, x, x, { keyPaddingMask: bools(new Array(6).fill(0), [3, 2]) }),
      ).toThrow(/keyPaddingMask must have shape \[2,3\]/);
      expect(() => mha.forward(x, x, randn([3, 2, 5], 0).to("float32"))).toThrow(
        /value must have shape/,
      );
      expect(() => mha.forward(x, x, x, { isCausal: true })).toThrow(/needs attnMask/);
      expect(() => mha.forward(x, x, x, { needWeight: false } as never)).toThrow(/unknown option/);
    });
  });

  describe("TransformerEncoderLayer", () => {
    const loaded = async (f: { state: TorchState }, o: mt.nn.TransformerEncoderLayerOptions) => {
      const layer = new mt.nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, ...o });
      await layer.eval().to(backend);
      layer.loadStateDict(stateOf(f.state, backend));
      return layer;
    };
    const t = (vals: number[], shape: number[]) => mt.tensor(vals, { backend }).reshape(shape);

    it("has torch's state-dict keys and shapes", () => {
      const layer = new mt.nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 });
      const torchShapes = Object.entries(FIXTURES.post.state).map(([key, [shape]]) => [key, shape]);
      expect(shapesOf(layer.stateDict())).toEqual(torchShapes);
    });

    it("matches torch post-norm (relu) with a key padding mask, [S, N, E]", async () => {
      const f = FIXTURES.post;
      const layer = await loaded(f, {});
      const y = layer.forward(t(f.x, [3, 2, 4]), {
        srcKeyPaddingMask: bools([0, 0, 1, 0, 0, 0], [2, 3]),
      });
      expect(y.shape).toEqual([3, 2, 4]);
      expectClose(await values(y), f.y, f32);
    });

    it("matches torch pre-norm (normFirst, gelu, batchFirst)", async () => {
      const f = FIXTURES.pre;
      const layer = await loaded(f, { normFirst: true, activation: "gelu", batchFirst: true });
      expectClose(await values(layer.forward(t(f.x, [3, 2, 4]))), f.y, f32);
    });

    it("applies dropout only in training mode, and trains every parameter", async () => {
      const layer = new mt.nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0.5 });
      await layer.to(backend);
      const x = randn([3, 2, 4], 9).to("float32");
      const train1 = await values(layer.forward(x));
      const train2 = await values(layer.forward(x));
      expect(train1).not.toEqual(train2);
      layer.eval();
      expect(await values(layer.forward(x))).toEqual(await values(layer.forward(x)));
      layer.train();
      layer.forward(x).sum().backward();
      for (const [name, p] of layer.namedParameters()) {
        expect((p.value as Tensor).grad?.shape, name).toEqual((p.value as Tensor).shape);
      }
    });

    it("prints as torch's", () => {
      const layer = new mt.nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 });
      expect(String(layer)).toBe(TORCH_ENCODER_REPR);
    });

    it("checks its arguments", async () => {
      const TEL = mt.nn.TransformerEncoderLayer;
      expect(() => new TEL(4, 3)).toThrow(/divisible/);
      expect(() => new TEL(4, 2, { activation: "tanh" } as never)).toThrow(/"relu", "gelu"/);
      expect(() => new TEL(4, 2, { nhead: 2 } as never)).toThrow(/unknown option nhead/);
      const layer = await new TEL(4, 2, { dimFeedforward: 8 }).to(backend);
      const x = randn([3, 2, 4], 0).to("float32");
      expect(() => layer.forward(x, { mask: null } as never)).toThrow(/unknown option mask/);
    });
  });

  describe("TransformerEncoder", () => {
    const t = (vals: number[], shape: number[]) => mt.tensor(vals, { backend }).reshape(shape);

    it("stacks copies of the layer with torch's keys and matches torch (causal mask, final norm)", async () => {
      const f = FIXTURES.encoder;
      const layer = new mt.nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 });
      const encoder = new mt.nn.TransformerEncoder(layer, 2, { norm: new mt.nn.LayerNorm(4) });
      const torchShapes = Object.entries(f.state).map(([key, [shape]]) => [key, shape]);
      expect(shapesOf(encoder.stateDict())).toEqual(torchShapes);
      // The copies start with the layer's weights but are separate parameters.
      const [first, second] = [0, 1].map((i) => encoder.layers.at(i).linear1.weight.value);
      expect(await values(first)).toEqual(await values(layer.linear1.weight.value));
      expect(first).not.toBe(second);
      await encoder.eval().to(backend);
      encoder.loadStateDict(stateOf(f.state, backend));
      const causal = t(
        [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => (j > i ? -Infinity : 0))),
        [3, 3],
      );
      const y = encoder.forward(t(f.x, [3, 2, 4]), { mask: causal });
      expectClose(await values(y), f.y, f32);
    });

    it("checks its arguments", async () => {
      const layer = new mt.nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 });
      const TE = mt.nn.TransformerEncoder;
      expect(() => new TE(layer, 0)).toThrow(/numLayers must be a positive integer/);
      expect(() => new TE(layer, 2, { enableNestedTensor: true } as never)).toThrow(
        /not supported/,
      );
      expect(() => new TE(new mt.nn.Linear(4, 4) as never, 2)).toThrow(/TransformerEncoderLayer/);
      if (backend !== mt.getBackend()) {
        await layer.to(backend);
        expect(() => new TE(layer, 2)).toThrow(mt.BackendError);
      }
    });
  });
});
