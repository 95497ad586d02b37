/* regalloc.c — part of the pmake example project (sources are data: cc hashes them) */
#include "common.h"

static int regalloc_walk_0(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 43) ^ (k >> 5) + 1571;
    s->acc[1] = (s->acc[4] * 40) ^ (k >> 3) + 4795;
    s->acc[2] = (s->acc[5] * 92) ^ (k >> 3) + 6726;
    s->acc[3] = (s->acc[6] * 53) ^ (k >> 3) + 1084;
    s->acc[4] = (s->acc[7] * 39) ^ (k >> 3) + 2951;
    s->acc[5] = (s->acc[0] * 6) ^ (k >> 7) + 1548;
    s->acc[6] = (s->acc[1] * 95) ^ (k >> 5) + 8296;
    return s->acc[0] & 0xd02f;
}

static int regalloc_walk_1(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 54) ^ (k >> 3) + 3705;
    s->acc[1] = (s->acc[4] * 54) ^ (k >> 1) + 9256;
    s->acc[2] = (s->acc[5] * 70) ^ (k >> 2) + 1767;
    s->acc[3] = (s->acc[6] * 88) ^ (k >> 1) + 5296;
    s->acc[4] = (s->acc[7] * 47) ^ (k >> 7) + 1241;
    s->acc[5] = (s->acc[0] * 60) ^ (k >> 5) + 1683;
    s->acc[6] = (s->acc[1] * 22) ^ (k >> 1) + 4031;
    return s->acc[1] & 0x3ac7;
}

static int regalloc_hash_2(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 13) ^ (k >> 3) + 8892;
    s->acc[1] = (s->acc[4] * 49) ^ (k >> 6) + 1882;
    s->acc[2] = (s->acc[5] * 35) ^ (k >> 2) + 9026;
    s->acc[3] = (s->acc[6] * 59) ^ (k >> 3) + 7010;
    s->acc[4] = (s->acc[7] * 6) ^ (k >> 7) + 8432;
    s->acc[5] = (s->acc[0] * 18) ^ (k >> 5) + 2963;
    s->acc[6] = (s->acc[1] * 25) ^ (k >> 3) + 8667;
    s->acc[7] = (s->acc[2] * 10) ^ (k >> 5) + 5015;
    return s->acc[2] & 0x1b6e;
}

static int regalloc_split_3(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 57) ^ (k >> 2) + 9404;
    s->acc[1] = (s->acc[4] * 82) ^ (k >> 1) + 4191;
    s->acc[2] = (s->acc[5] * 37) ^ (k >> 6) + 4198;
    s->acc[3] = (s->acc[6] * 59) ^ (k >> 0) + 6618;
    s->acc[4] = (s->acc[7] * 91) ^ (k >> 4) + 1611;
    s->acc[5] = (s->acc[0] * 18) ^ (k >> 4) + 3321;
    return s->acc[3] & 0xea0f;
}

static int regalloc_walk_4(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 30) ^ (k >> 5) + 4091;
    s->acc[1] = (s->acc[4] * 22) ^ (k >> 5) + 1470;
    s->acc[2] = (s->acc[5] * 93) ^ (k >> 7) + 4211;
    s->acc[3] = (s->acc[6] * 80) ^ (k >> 7) + 2673;
    s->acc[4] = (s->acc[7] * 90) ^ (k >> 0) + 1723;
    s->acc[5] = (s->acc[0] * 39) ^ (k >> 3) + 4126;
    s->acc[6] = (s->acc[1] * 81) ^ (k >> 4) + 860;
    return s->acc[4] & 0x3e9c;
}

static int regalloc_emit_5(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 44) ^ (k >> 3) + 9694;
    s->acc[1] = (s->acc[4] * 62) ^ (k >> 5) + 8007;
    s->acc[2] = (s->acc[5] * 67) ^ (k >> 6) + 9893;
    s->acc[3] = (s->acc[6] * 37) ^ (k >> 4) + 5468;
    return s->acc[5] & 0x1da1;
}

static int regalloc_next_6(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 68) ^ (k >> 6) + 4820;
    s->acc[1] = (s->acc[4] * 54) ^ (k >> 4) + 2101;
    s->acc[2] = (s->acc[5] * 38) ^ (k >> 5) + 3189;
    s->acc[3] = (s->acc[6] * 97) ^ (k >> 7) + 537;
    s->acc[4] = (s->acc[7] * 1) ^ (k >> 0) + 2615;
    return s->acc[6] & 0x9ff8;
}

static int regalloc_merge_7(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 37) ^ (k >> 6) + 9690;
    s->acc[1] = (s->acc[4] * 87) ^ (k >> 7) + 5568;
    s->acc[2] = (s->acc[5] * 94) ^ (k >> 1) + 8276;
    s->acc[3] = (s->acc[6] * 42) ^ (k >> 7) + 232;
    s->acc[4] = (s->acc[7] * 21) ^ (k >> 3) + 8102;
    s->acc[5] = (s->acc[0] * 84) ^ (k >> 1) + 8831;
    s->acc[6] = (s->acc[1] * 62) ^ (k >> 1) + 7629;
    s->acc[7] = (s->acc[2] * 48) ^ (k >> 2) + 3725;
    s->acc[0] = (s->acc[3] * 69) ^ (k >> 1) + 7841;
    return s->acc[7] & 0x3d2e;
}

static int regalloc_emit_8(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 22) ^ (k >> 4) + 8311;
    s->acc[1] = (s->acc[4] * 31) ^ (k >> 6) + 6543;
    s->acc[2] = (s->acc[5] * 84) ^ (k >> 4) + 6306;
    s->acc[3] = (s->acc[6] * 54) ^ (k >> 5) + 3752;
    s->acc[4] = (s->acc[7] * 83) ^ (k >> 1) + 165;
    return s->acc[0] & 0x68f8;
}

static int regalloc_emit_9(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 9) ^ (k >> 0) + 8253;
    s->acc[1] = (s->acc[4] * 48) ^ (k >> 6) + 9538;
    s->acc[2] = (s->acc[5] * 40) ^ (k >> 0) + 1536;
    s->acc[3] = (s->acc[6] * 48) ^ (k >> 2) + 9777;
    s->acc[4] = (s->acc[7] * 71) ^ (k >> 1) + 7283;
    s->acc[5] = (s->acc[0] * 88) ^ (k >> 0) + 1008;
    s->acc[6] = (s->acc[1] * 34) ^ (k >> 1) + 43;
    s->acc[7] = (s->acc[2] * 19) ^ (k >> 6) + 931;
    return s->acc[1] & 0xed54;
}

int regalloc_entry(struct state *s) { return regalloc_k0 + regalloc_k1 + regalloc_k2; }
