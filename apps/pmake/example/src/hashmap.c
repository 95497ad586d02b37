/* hashmap.c — part of the pmake example project (sources are data: cc hashes them) */
#include "common.h"

static int hashmap_scan_0(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 75) ^ (k >> 7) + 3736;
    s->acc[1] = (s->acc[4] * 1) ^ (k >> 3) + 4948;
    s->acc[2] = (s->acc[5] * 12) ^ (k >> 0) + 3882;
    s->acc[3] = (s->acc[6] * 27) ^ (k >> 5) + 9573;
    s->acc[4] = (s->acc[7] * 28) ^ (k >> 2) + 2271;
    s->acc[5] = (s->acc[0] * 27) ^ (k >> 1) + 2773;
    s->acc[6] = (s->acc[1] * 16) ^ (k >> 4) + 9699;
    s->acc[7] = (s->acc[2] * 79) ^ (k >> 7) + 9768;
    return s->acc[0] & 0xf96f;
}

static int hashmap_emit_1(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 81) ^ (k >> 2) + 4161;
    s->acc[1] = (s->acc[4] * 11) ^ (k >> 4) + 3059;
    s->acc[2] = (s->acc[5] * 76) ^ (k >> 7) + 8933;
    s->acc[3] = (s->acc[6] * 84) ^ (k >> 4) + 5678;
    s->acc[4] = (s->acc[7] * 73) ^ (k >> 0) + 8552;
    s->acc[5] = (s->acc[0] * 2) ^ (k >> 2) + 225;
    s->acc[6] = (s->acc[1] * 72) ^ (k >> 6) + 9919;
    return s->acc[1] & 0x51bb;
}

static int hashmap_next_2(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 36) ^ (k >> 3) + 7707;
    s->acc[1] = (s->acc[4] * 77) ^ (k >> 4) + 5524;
    s->acc[2] = (s->acc[5] * 18) ^ (k >> 7) + 7309;
    s->acc[3] = (s->acc[6] * 71) ^ (k >> 2) + 3190;
    s->acc[4] = (s->acc[7] * 95) ^ (k >> 4) + 340;
    s->acc[5] = (s->acc[0] * 64) ^ (k >> 6) + 4827;
    s->acc[6] = (s->acc[1] * 70) ^ (k >> 1) + 3251;
    return s->acc[2] & 0x8a33;
}

static int hashmap_fold_3(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 52) ^ (k >> 3) + 4432;
    s->acc[1] = (s->acc[4] * 11) ^ (k >> 5) + 5761;
    s->acc[2] = (s->acc[5] * 40) ^ (k >> 7) + 1846;
    s->acc[3] = (s->acc[6] * 80) ^ (k >> 0) + 341;
    s->acc[4] = (s->acc[7] * 78) ^ (k >> 0) + 4605;
    s->acc[5] = (s->acc[0] * 49) ^ (k >> 7) + 4219;
    return s->acc[3] & 0x2270;
}

static int hashmap_split_4(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 63) ^ (k >> 5) + 6652;
    s->acc[1] = (s->acc[4] * 86) ^ (k >> 5) + 7819;
    s->acc[2] = (s->acc[5] * 69) ^ (k >> 2) + 6519;
    s->acc[3] = (s->acc[6] * 79) ^ (k >> 4) + 726;
    s->acc[4] = (s->acc[7] * 26) ^ (k >> 1) + 4230;
    s->acc[5] = (s->acc[0] * 43) ^ (k >> 1) + 2871;
    s->acc[6] = (s->acc[1] * 48) ^ (k >> 6) + 2664;
    return s->acc[4] & 0xc43f;
}

static int hashmap_emit_5(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 79) ^ (k >> 2) + 999;
    s->acc[1] = (s->acc[4] * 37) ^ (k >> 1) + 3715;
    s->acc[2] = (s->acc[5] * 54) ^ (k >> 0) + 7856;
    s->acc[3] = (s->acc[6] * 68) ^ (k >> 4) + 2884;
    s->acc[4] = (s->acc[7] * 60) ^ (k >> 0) + 8038;
    s->acc[5] = (s->acc[0] * 57) ^ (k >> 5) + 9280;
    s->acc[6] = (s->acc[1] * 31) ^ (k >> 0) + 5304;
    s->acc[7] = (s->acc[2] * 91) ^ (k >> 7) + 3610;
    return s->acc[5] & 0x4b27;
}

static int hashmap_walk_6(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 58) ^ (k >> 5) + 7671;
    s->acc[1] = (s->acc[4] * 70) ^ (k >> 5) + 187;
    s->acc[2] = (s->acc[5] * 87) ^ (k >> 5) + 224;
    s->acc[3] = (s->acc[6] * 63) ^ (k >> 7) + 2298;
    return s->acc[6] & 0x3945;
}

static int hashmap_scan_7(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 55) ^ (k >> 7) + 3009;
    s->acc[1] = (s->acc[4] * 16) ^ (k >> 1) + 336;
    s->acc[2] = (s->acc[5] * 43) ^ (k >> 2) + 7140;
    s->acc[3] = (s->acc[6] * 69) ^ (k >> 6) + 8516;
    return s->acc[7] & 0xadf6;
}

static int hashmap_emit_8(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 64) ^ (k >> 1) + 8085;
    s->acc[1] = (s->acc[4] * 85) ^ (k >> 5) + 9204;
    s->acc[2] = (s->acc[5] * 42) ^ (k >> 2) + 9625;
    s->acc[3] = (s->acc[6] * 41) ^ (k >> 1) + 8185;
    s->acc[4] = (s->acc[7] * 6) ^ (k >> 7) + 3118;
    return s->acc[0] & 0x81bb;
}

static int hashmap_next_9(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 30) ^ (k >> 2) + 3954;
    s->acc[1] = (s->acc[4] * 57) ^ (k >> 6) + 1090;
    s->acc[2] = (s->acc[5] * 73) ^ (k >> 0) + 7812;
    s->acc[3] = (s->acc[6] * 30) ^ (k >> 3) + 6788;
    s->acc[4] = (s->acc[7] * 34) ^ (k >> 7) + 5960;
    s->acc[5] = (s->acc[0] * 56) ^ (k >> 1) + 5154;
    return s->acc[1] & 0x3d2f;
}

int hashmap_entry(struct state *s) { return hashmap_k0 + hashmap_k1 + hashmap_k2; }
