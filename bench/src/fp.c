/* Floating point: n-body style arithmetic, a dot product, and sqrt. */
#include <math.h>
#include <stdio.h>
int main(void)
{
    enum { N = 512 };
    static double x[N], y[N], vx[N], vy[N];
    for (int i = 0; i < N; i++) { x[i] = i * 0.37; y[i] = i * 0.11; vx[i] = vy[i] = 0; }
    for (int step = 0; step < 120; step++)
        for (int i = 0; i < N; i++) {
            double ax = 0, ay = 0;
            for (int j = 0; j < N; j++) {
                double dx = x[j] - x[i], dy = y[j] - y[i];
                double d2 = dx * dx + dy * dy + 0.01;
                double inv = 1.0 / (d2 * sqrt(d2));
                ax += dx * inv; ay += dy * inv;
            }
            vx[i] += ax * 1e-4; vy[i] += ay * 1e-4;
        }
    double e = 0;
    for (int i = 0; i < N; i++) e += vx[i] * vx[i] + vy[i] * vy[i];
    float f = 0;
    for (int i = 0; i < 60000000; i++) f = f * 0.999f + (float)(i & 7);
    printf("%.9g %.6g\n", e, f);
    return 0;
}
