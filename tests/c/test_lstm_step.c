/*
 * test_lstm_step.c — one LSTM step (TensorFlow's LSTMCell with projection,
 * models/SEMANTICS.md §3) against numbers worked out by hand, for 2 cells
 * and a projection to 1, with and without clipping.
 *
 *   input part of z (x·W_x + b), gate order i, j, f, o; cells u0, u1:
 *     [0.5, -1.0 | -0.25, 2.0 | 0.0, 0.5 | 1.0, -0.5]
 *   h_{t-1} = 0.5, W_h = [0.2, 0.1 | 0.4, 0.3 | -0.6, 0.2 | 0.8, -0.4]
 *   z = [0.6, -0.95 | -0.05, 2.15 | -0.3, 0.6 | 1.4, -0.7]
 *   c_{t-1} = [0.3, 2.9]
 *   c = sigmoid(f + 1) c_{t-1} + sigmoid(i) tanh(j) = [0.1682003918, 2.6842713225]
 *   m = sigmoid(o) tanh(c)                           = [0.1336694515, 0.3287334778]
 *   h = m · [1.5, -2.0]                              = -0.4569627784
 * With cell_clip 2.5 the second cell becomes 2.5, m1 = sigmoid(-0.7) tanh(2.5)
 * = 0.3273706883, h = -0.4542371994, and proj_clip 0.4 makes h = -0.4.
 */
#include <math.h>
#include <string.h>

#include "kernels/gemm.h"
#include "lstm.h"
#include "test_util.h"

static const float gates_x[8] = {0.5f, -1.0f, -0.25f, 2.0f, 0.0f, 0.5f, 1.0f, -0.5f};
static const float w_h[8] = {0.2f, 0.1f, 0.4f, 0.3f, -0.6f, 0.2f, 0.8f, -0.4f};
static const float w_proj[2] = {1.5f, -2.0f};

static int near(double got, double want) { return fabs(got - want) <= 1e-6; }

/* Runs `rows` identical rows; every row must give the same numbers. */
static void step_case(const char *label, float cell_clip, float proj_clip, const double want_c[2],
                      double want_h, size_t rows) {
    /* Weights as the converter stores them: packed in 8-column panels. */
    float w_h_packed[8], w_proj_packed[2 * 8];
    elmo_f32_pack_panels(1, 8, w_h, 8, w_h_packed);
    elmo_f32_pack_panels(2, 1, w_proj, 1, w_proj_packed);
    const elmo_lstm_weights w = {.w_h = {ELMO_WEIGHT_F32, w_h_packed, NULL},
                                 .w_proj = {ELMO_WEIGHT_F32, w_proj_packed, NULL}};
    const elmo_lstm_dims dims = {2, 1, cell_clip, proj_clip};
    float gates[3 * 8], h[3], c[3 * 2], m[3 * 2];
    for (size_t r = 0; r < rows; r++) {
        memcpy(gates + r * 8, gates_x, sizeof gates_x);
        h[r] = 0.5f;
        c[r * 2] = 0.3f;
        c[r * 2 + 1] = 2.9f;
    }
    elmo_lstm_step(&w, &dims, rows, gates, h, c, m);
    for (size_t r = 0; r < rows; r++) {
        CHECK(near(c[r * 2], want_c[0]) && near(c[r * 2 + 1], want_c[1]), "%s row %zu: c = [%.9f, %.9f]",
              label, r, c[r * 2], c[r * 2 + 1]);
        CHECK(near(h[r], want_h), "%s row %zu: h = %.9f, want %.9f", label, r, h[r], want_h);
    }
}

int main(void) {
    const double c_free[2] = {0.1682003918101018, 2.6842713224751362};
    step_case("no clipping", INFINITY, INFINITY, c_free, -0.4569627784441236, 1);
    step_case("no clipping, 3 rows", INFINITY, INFINITY, c_free, -0.4569627784441236, 3);
    const double c_clipped[2] = {0.1682003918101018, 2.5};
    step_case("cell clip 2.5", 2.5f, INFINITY, c_clipped, -0.4542371993702893, 1);
    step_case("cell clip 2.5, proj clip 0.4", 2.5f, 0.4f, c_clipped, -0.4, 2);
    return test_report("test_lstm_step");
}
