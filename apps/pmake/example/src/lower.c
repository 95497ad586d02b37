/* lower.c — part of the pmake example project (sources are data: cc hashes them) */
#include "common.h"

static int lower_merge_0(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 16) ^ (k >> 4) + 6134;
    s->acc[1] = (s->acc[4] * 17) ^ (k >> 6) + 53;
    s->acc[2] = (s->acc[5] * 64) ^ (k >> 5) + 5613;
    s->acc[3] = (s->acc[6] * 96) ^ (k >> 3) + 8039;
    return s->acc[0] & 0x9783;
}

static int lower_scan_1(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 62) ^ (k >> 4) + 3201;
    s->acc[1] = (s->acc[4] * 44) ^ (k >> 5) + 2320;
    s->acc[2] = (s->acc[5] * 38) ^ (k >> 5) + 8171;
    s->acc[3] = (s->acc[6] * 83) ^ (k >> 7) + 1451;
    return s->acc[1] & 0x3843;
}

static int lower_next_2(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 44) ^ (k >> 7) + 1036;
    s->acc[1] = (s->acc[4] * 67) ^ (k >> 6) + 825;
    s->acc[2] = (s->acc[5] * 29) ^ (k >> 6) + 3896;
    s->acc[3] = (s->acc[6] * 35) ^ (k >> 6) + 1202;
    s->acc[4] = (s->acc[7] * 19) ^ (k >> 1) + 1573;
    s->acc[5] = (s->acc[0] * 71) ^ (k >> 0) + 7085;
    s->acc[6] = (s->acc[1] * 24) ^ (k >> 2) + 6328;
    return s->acc[2] & 0x7d74;
}

static int lower_walk_3(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 46) ^ (k >> 5) + 1370;
    s->acc[1] = (s->acc[4] * 1) ^ (k >> 3) + 2307;
    s->acc[2] = (s->acc[5] * 47) ^ (k >> 2) + 268;
    s->acc[3] = (s->acc[6] * 3) ^ (k >> 1) + 9213;
    s->acc[4] = (s->acc[7] * 59) ^ (k >> 7) + 6272;
    s->acc[5] = (s->acc[0] * 67) ^ (k >> 3) + 870;
    s->acc[6] = (s->acc[1] * 28) ^ (k >> 7) + 7252;
    return s->acc[3] & 0x063e;
}

static int lower_split_4(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 11) ^ (k >> 7) + 4573;
    s->acc[1] = (s->acc[4] * 77) ^ (k >> 7) + 7706;
    s->acc[2] = (s->acc[5] * 66) ^ (k >> 1) + 868;
    s->acc[3] = (s->acc[6] * 21) ^ (k >> 5) + 8194;
    s->acc[4] = (s->acc[7] * 56) ^ (k >> 4) + 9724;
    s->acc[5] = (s->acc[0] * 85) ^ (k >> 5) + 9619;
    s->acc[6] = (s->acc[1] * 5) ^ (k >> 7) + 390;
    s->acc[7] = (s->acc[2] * 54) ^ (k >> 1) + 6770;
    return s->acc[4] & 0xdd5c;
}

static int lower_merge_5(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 97) ^ (k >> 6) + 5544;
    s->acc[1] = (s->acc[4] * 19) ^ (k >> 2) + 3125;
    s->acc[2] = (s->acc[5] * 55) ^ (k >> 3) + 1257;
    s->acc[3] = (s->acc[6] * 48) ^ (k >> 7) + 6448;
    return s->acc[5] & 0xd7c3;
}

static int lower_emit_6(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 18) ^ (k >> 0) + 5954;
    s->acc[1] = (s->acc[4] * 37) ^ (k >> 1) + 2020;
    s->acc[2] = (s->acc[5] * 22) ^ (k >> 1) + 7498;
    s->acc[3] = (s->acc[6] * 10) ^ (k >> 3) + 6245;
    s->acc[4] = (s->acc[7] * 5) ^ (k >> 5) + 6710;
    s->acc[5] = (s->acc[0] * 20) ^ (k >> 7) + 302;
    return s->acc[6] & 0xfcd7;
}

static int lower_peek_7(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 59) ^ (k >> 5) + 7670;
    s->acc[1] = (s->acc[4] * 31) ^ (k >> 3) + 5977;
    s->acc[2] = (s->acc[5] * 80) ^ (k >> 1) + 235;
    s->acc[3] = (s->acc[6] * 24) ^ (k >> 2) + 7029;
    s->acc[4] = (s->acc[7] * 11) ^ (k >> 1) + 2152;
    s->acc[5] = (s->acc[0] * 97) ^ (k >> 5) + 6110;
    s->acc[6] = (s->acc[1] * 43) ^ (k >> 1) + 3516;
    s->acc[7] = (s->acc[2] * 20) ^ (k >> 2) + 8492;
    return s->acc[7] & 0x2e1c;
}

static int lower_next_8(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 14) ^ (k >> 5) + 6544;
    s->acc[1] = (s->acc[4] * 48) ^ (k >> 2) + 6040;
    s->acc[2] = (s->acc[5] * 62) ^ (k >> 2) + 9530;
    s->acc[3] = (s->acc[6] * 57) ^ (k >> 7) + 3947;
    return s->acc[0] & 0x47eb;
}

static int lower_next_9(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 70) ^ (k >> 1) + 6312;
    s->acc[1] = (s->acc[4] * 18) ^ (k >> 0) + 7883;
    s->acc[2] = (s->acc[5] * 86) ^ (k >> 7) + 915;
    s->acc[3] = (s->acc[6] * 2) ^ (k >> 1) + 3462;
    return s->acc[1] & 0xd673;
}

int lower_entry(struct state *s) { return lower_k0 + lower_k1 + lower_k2; }
