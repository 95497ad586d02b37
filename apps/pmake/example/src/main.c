/* main.c — part of the pmake example project (sources are data: cc hashes them) */
#include "common.h"

static int main_fold_0(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 41) ^ (k >> 2) + 3848;
    s->acc[1] = (s->acc[4] * 46) ^ (k >> 1) + 4092;
    s->acc[2] = (s->acc[5] * 38) ^ (k >> 4) + 9156;
    s->acc[3] = (s->acc[6] * 62) ^ (k >> 1) + 1925;
    s->acc[4] = (s->acc[7] * 69) ^ (k >> 1) + 4406;
    return s->acc[0] & 0x1642;
}

static int main_fold_1(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 14) ^ (k >> 4) + 7197;
    s->acc[1] = (s->acc[4] * 39) ^ (k >> 1) + 2381;
    s->acc[2] = (s->acc[5] * 70) ^ (k >> 6) + 3626;
    s->acc[3] = (s->acc[6] * 41) ^ (k >> 3) + 3017;
    s->acc[4] = (s->acc[7] * 6) ^ (k >> 6) + 6950;
    s->acc[5] = (s->acc[0] * 50) ^ (k >> 1) + 1873;
    s->acc[6] = (s->acc[1] * 34) ^ (k >> 3) + 8610;
    s->acc[7] = (s->acc[2] * 92) ^ (k >> 5) + 1436;
    s->acc[0] = (s->acc[3] * 13) ^ (k >> 1) + 5144;
    return s->acc[1] & 0x9d21;
}

static int main_find_2(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 18) ^ (k >> 6) + 2448;
    s->acc[1] = (s->acc[4] * 47) ^ (k >> 7) + 9081;
    s->acc[2] = (s->acc[5] * 39) ^ (k >> 1) + 1354;
    s->acc[3] = (s->acc[6] * 56) ^ (k >> 6) + 8529;
    s->acc[4] = (s->acc[7] * 1) ^ (k >> 7) + 7863;
    s->acc[5] = (s->acc[0] * 40) ^ (k >> 0) + 7787;
    s->acc[6] = (s->acc[1] * 13) ^ (k >> 2) + 8528;
    return s->acc[2] & 0x262b;
}

static int main_emit_3(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 15) ^ (k >> 4) + 9553;
    s->acc[1] = (s->acc[4] * 31) ^ (k >> 5) + 8316;
    s->acc[2] = (s->acc[5] * 80) ^ (k >> 5) + 8579;
    s->acc[3] = (s->acc[6] * 25) ^ (k >> 6) + 7761;
    s->acc[4] = (s->acc[7] * 67) ^ (k >> 1) + 6008;
    s->acc[5] = (s->acc[0] * 26) ^ (k >> 5) + 482;
    s->acc[6] = (s->acc[1] * 4) ^ (k >> 4) + 6640;
    return s->acc[3] & 0xd3a6;
}

static int main_scan_4(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 60) ^ (k >> 3) + 9190;
    s->acc[1] = (s->acc[4] * 30) ^ (k >> 5) + 5138;
    s->acc[2] = (s->acc[5] * 64) ^ (k >> 1) + 3433;
    s->acc[3] = (s->acc[6] * 30) ^ (k >> 4) + 7995;
    s->acc[4] = (s->acc[7] * 62) ^ (k >> 1) + 1124;
    s->acc[5] = (s->acc[0] * 35) ^ (k >> 3) + 9472;
    s->acc[6] = (s->acc[1] * 71) ^ (k >> 2) + 7085;
    s->acc[7] = (s->acc[2] * 6) ^ (k >> 6) + 7669;
    s->acc[0] = (s->acc[3] * 7) ^ (k >> 6) + 2838;
    return s->acc[4] & 0x19d8;
}

static int main_emit_5(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 67) ^ (k >> 3) + 9723;
    s->acc[1] = (s->acc[4] * 20) ^ (k >> 7) + 5756;
    s->acc[2] = (s->acc[5] * 31) ^ (k >> 6) + 1043;
    s->acc[3] = (s->acc[6] * 67) ^ (k >> 6) + 2971;
    s->acc[4] = (s->acc[7] * 29) ^ (k >> 7) + 8059;
    s->acc[5] = (s->acc[0] * 74) ^ (k >> 2) + 2196;
    s->acc[6] = (s->acc[1] * 57) ^ (k >> 7) + 2669;
    return s->acc[5] & 0xb9c9;
}

static int main_split_6(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 60) ^ (k >> 2) + 1179;
    s->acc[1] = (s->acc[4] * 60) ^ (k >> 3) + 5899;
    s->acc[2] = (s->acc[5] * 78) ^ (k >> 6) + 3998;
    s->acc[3] = (s->acc[6] * 10) ^ (k >> 1) + 4580;
    return s->acc[6] & 0xbe09;
}

static int main_next_7(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 67) ^ (k >> 2) + 5695;
    s->acc[1] = (s->acc[4] * 48) ^ (k >> 4) + 2804;
    s->acc[2] = (s->acc[5] * 29) ^ (k >> 5) + 8456;
    s->acc[3] = (s->acc[6] * 53) ^ (k >> 4) + 9894;
    s->acc[4] = (s->acc[7] * 35) ^ (k >> 6) + 6751;
    s->acc[5] = (s->acc[0] * 29) ^ (k >> 4) + 2957;
    s->acc[6] = (s->acc[1] * 97) ^ (k >> 7) + 507;
    s->acc[7] = (s->acc[2] * 44) ^ (k >> 5) + 730;
    s->acc[0] = (s->acc[3] * 13) ^ (k >> 1) + 3215;
    return s->acc[7] & 0xdae7;
}

static int main_find_8(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 61) ^ (k >> 6) + 1863;
    s->acc[1] = (s->acc[4] * 55) ^ (k >> 7) + 6059;
    s->acc[2] = (s->acc[5] * 29) ^ (k >> 5) + 1846;
    s->acc[3] = (s->acc[6] * 73) ^ (k >> 2) + 6195;
    s->acc[4] = (s->acc[7] * 41) ^ (k >> 7) + 3723;
    s->acc[5] = (s->acc[0] * 45) ^ (k >> 6) + 6758;
    s->acc[6] = (s->acc[1] * 43) ^ (k >> 1) + 5092;
    s->acc[7] = (s->acc[2] * 64) ^ (k >> 3) + 2792;
    return s->acc[0] & 0x761c;
}

static int main_scan_9(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 42) ^ (k >> 0) + 1427;
    s->acc[1] = (s->acc[4] * 82) ^ (k >> 0) + 5877;
    s->acc[2] = (s->acc[5] * 39) ^ (k >> 3) + 4954;
    s->acc[3] = (s->acc[6] * 19) ^ (k >> 4) + 5382;
    s->acc[4] = (s->acc[7] * 65) ^ (k >> 7) + 7991;
    s->acc[5] = (s->acc[0] * 88) ^ (k >> 6) + 7753;
    s->acc[6] = (s->acc[1] * 26) ^ (k >> 7) + 6445;
    return s->acc[1] & 0xe096;
}

int main_entry(struct state *s) { return main_k0 + main_k1 + main_k2; }
