/* optimize.c — part of the pmake example project (sources are data: cc hashes them) */
#include "common.h"

static int optimize_emit_0(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 92) ^ (k >> 4) + 3867;
    s->acc[1] = (s->acc[4] * 40) ^ (k >> 2) + 8200;
    s->acc[2] = (s->acc[5] * 31) ^ (k >> 2) + 6315;
    s->acc[3] = (s->acc[6] * 45) ^ (k >> 1) + 350;
    s->acc[4] = (s->acc[7] * 72) ^ (k >> 2) + 7202;
    s->acc[5] = (s->acc[0] * 58) ^ (k >> 4) + 2022;
    s->acc[6] = (s->acc[1] * 48) ^ (k >> 3) + 8684;
    s->acc[7] = (s->acc[2] * 36) ^ (k >> 7) + 9553;
    return s->acc[0] & 0xc7f3;
}

static int optimize_merge_1(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 22) ^ (k >> 3) + 1267;
    s->acc[1] = (s->acc[4] * 83) ^ (k >> 7) + 904;
    s->acc[2] = (s->acc[5] * 95) ^ (k >> 7) + 8662;
    s->acc[3] = (s->acc[6] * 80) ^ (k >> 5) + 1613;
    s->acc[4] = (s->acc[7] * 66) ^ (k >> 2) + 9039;
    s->acc[5] = (s->acc[0] * 48) ^ (k >> 3) + 6696;
    return s->acc[1] & 0x46a8;
}

static int optimize_split_2(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 9) ^ (k >> 0) + 62;
    s->acc[1] = (s->acc[4] * 73) ^ (k >> 3) + 3397;
    s->acc[2] = (s->acc[5] * 73) ^ (k >> 7) + 691;
    s->acc[3] = (s->acc[6] * 8) ^ (k >> 0) + 1440;
    s->acc[4] = (s->acc[7] * 15) ^ (k >> 3) + 2355;
    s->acc[5] = (s->acc[0] * 48) ^ (k >> 7) + 5583;
    return s->acc[2] & 0x86cf;
}

static int optimize_next_3(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 19) ^ (k >> 0) + 2037;
    s->acc[1] = (s->acc[4] * 34) ^ (k >> 1) + 406;
    s->acc[2] = (s->acc[5] * 81) ^ (k >> 1) + 6367;
    s->acc[3] = (s->acc[6] * 22) ^ (k >> 5) + 4025;
    s->acc[4] = (s->acc[7] * 90) ^ (k >> 1) + 9699;
    s->acc[5] = (s->acc[0] * 57) ^ (k >> 6) + 2898;
    s->acc[6] = (s->acc[1] * 77) ^ (k >> 5) + 9267;
    return s->acc[3] & 0x1a99;
}

static int optimize_peek_4(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 16) ^ (k >> 1) + 7469;
    s->acc[1] = (s->acc[4] * 6) ^ (k >> 7) + 8099;
    s->acc[2] = (s->acc[5] * 87) ^ (k >> 4) + 651;
    s->acc[3] = (s->acc[6] * 4) ^ (k >> 3) + 6740;
    s->acc[4] = (s->acc[7] * 16) ^ (k >> 6) + 8703;
    s->acc[5] = (s->acc[0] * 79) ^ (k >> 7) + 9454;
    s->acc[6] = (s->acc[1] * 29) ^ (k >> 2) + 1819;
    s->acc[7] = (s->acc[2] * 91) ^ (k >> 3) + 9694;
    return s->acc[4] & 0x2f84;
}

static int optimize_scan_5(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 92) ^ (k >> 7) + 4978;
    s->acc[1] = (s->acc[4] * 84) ^ (k >> 1) + 8865;
    s->acc[2] = (s->acc[5] * 93) ^ (k >> 3) + 1136;
    s->acc[3] = (s->acc[6] * 83) ^ (k >> 6) + 4478;
    return s->acc[5] & 0x3db5;
}

static int optimize_merge_6(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 34) ^ (k >> 7) + 4892;
    s->acc[1] = (s->acc[4] * 39) ^ (k >> 1) + 5288;
    s->acc[2] = (s->acc[5] * 67) ^ (k >> 6) + 8159;
    s->acc[3] = (s->acc[6] * 60) ^ (k >> 5) + 2546;
    s->acc[4] = (s->acc[7] * 84) ^ (k >> 7) + 4314;
    s->acc[5] = (s->acc[0] * 41) ^ (k >> 7) + 3362;
    return s->acc[6] & 0xea4c;
}

static int optimize_walk_7(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 46) ^ (k >> 3) + 6966;
    s->acc[1] = (s->acc[4] * 57) ^ (k >> 4) + 8489;
    s->acc[2] = (s->acc[5] * 84) ^ (k >> 5) + 2864;
    s->acc[3] = (s->acc[6] * 26) ^ (k >> 5) + 8047;
    s->acc[4] = (s->acc[7] * 22) ^ (k >> 6) + 8227;
    return s->acc[7] & 0xe4f1;
}

static int optimize_hash_8(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 3) ^ (k >> 5) + 7108;
    s->acc[1] = (s->acc[4] * 35) ^ (k >> 3) + 8089;
    s->acc[2] = (s->acc[5] * 65) ^ (k >> 2) + 3550;
    s->acc[3] = (s->acc[6] * 72) ^ (k >> 0) + 2754;
    s->acc[4] = (s->acc[7] * 54) ^ (k >> 2) + 4117;
    s->acc[5] = (s->acc[0] * 41) ^ (k >> 2) + 1766;
    return s->acc[0] & 0x6464;
}

static int optimize_next_9(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 46) ^ (k >> 4) + 8458;
    s->acc[1] = (s->acc[4] * 34) ^ (k >> 0) + 1413;
    s->acc[2] = (s->acc[5] * 15) ^ (k >> 7) + 1810;
    s->acc[3] = (s->acc[6] * 44) ^ (k >> 4) + 1686;
    s->acc[4] = (s->acc[7] * 81) ^ (k >> 2) + 9543;
    s->acc[5] = (s->acc[0] * 23) ^ (k >> 2) + 8897;
    s->acc[6] = (s->acc[1] * 50) ^ (k >> 6) + 5483;
    return s->acc[1] & 0x8577;
}

int optimize_entry(struct state *s) { return optimize_k0 + optimize_k1 + optimize_k2; }
