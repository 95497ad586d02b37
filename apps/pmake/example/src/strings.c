/* strings.c — part of the pmake example project (sources are data: cc hashes them) */
#include "common.h"

static int strings_find_0(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 12) ^ (k >> 4) + 8362;
    s->acc[1] = (s->acc[4] * 73) ^ (k >> 5) + 7396;
    s->acc[2] = (s->acc[5] * 53) ^ (k >> 6) + 3216;
    s->acc[3] = (s->acc[6] * 79) ^ (k >> 0) + 6643;
    s->acc[4] = (s->acc[7] * 55) ^ (k >> 4) + 2157;
    s->acc[5] = (s->acc[0] * 9) ^ (k >> 7) + 5288;
    s->acc[6] = (s->acc[1] * 5) ^ (k >> 2) + 5983;
    s->acc[7] = (s->acc[2] * 54) ^ (k >> 4) + 9674;
    return s->acc[0] & 0x3768;
}

static int strings_fold_1(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 58) ^ (k >> 5) + 5002;
    s->acc[1] = (s->acc[4] * 6) ^ (k >> 3) + 1782;
    s->acc[2] = (s->acc[5] * 76) ^ (k >> 1) + 782;
    s->acc[3] = (s->acc[6] * 9) ^ (k >> 6) + 1334;
    return s->acc[1] & 0x96ff;
}

static int strings_next_2(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 56) ^ (k >> 6) + 3800;
    s->acc[1] = (s->acc[4] * 5) ^ (k >> 6) + 7480;
    s->acc[2] = (s->acc[5] * 38) ^ (k >> 6) + 5442;
    s->acc[3] = (s->acc[6] * 68) ^ (k >> 7) + 8356;
    s->acc[4] = (s->acc[7] * 73) ^ (k >> 4) + 6477;
    s->acc[5] = (s->acc[0] * 60) ^ (k >> 4) + 7579;
    return s->acc[2] & 0x13ce;
}

static int strings_fold_3(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 61) ^ (k >> 3) + 1450;
    s->acc[1] = (s->acc[4] * 15) ^ (k >> 7) + 4478;
    s->acc[2] = (s->acc[5] * 48) ^ (k >> 6) + 5570;
    s->acc[3] = (s->acc[6] * 81) ^ (k >> 7) + 1889;
    s->acc[4] = (s->acc[7] * 50) ^ (k >> 5) + 7362;
    s->acc[5] = (s->acc[0] * 34) ^ (k >> 5) + 2368;
    return s->acc[3] & 0xea5a;
}

static int strings_peek_4(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 24) ^ (k >> 6) + 6744;
    s->acc[1] = (s->acc[4] * 2) ^ (k >> 6) + 6586;
    s->acc[2] = (s->acc[5] * 41) ^ (k >> 1) + 3191;
    s->acc[3] = (s->acc[6] * 80) ^ (k >> 5) + 7165;
    s->acc[4] = (s->acc[7] * 79) ^ (k >> 1) + 7446;
    s->acc[5] = (s->acc[0] * 16) ^ (k >> 2) + 6195;
    return s->acc[4] & 0x122c;
}

static int strings_emit_5(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 85) ^ (k >> 5) + 3992;
    s->acc[1] = (s->acc[4] * 89) ^ (k >> 0) + 9517;
    s->acc[2] = (s->acc[5] * 86) ^ (k >> 1) + 430;
    s->acc[3] = (s->acc[6] * 15) ^ (k >> 1) + 9085;
    s->acc[4] = (s->acc[7] * 40) ^ (k >> 4) + 5549;
    return s->acc[5] & 0xac72;
}

static int strings_hash_6(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 21) ^ (k >> 4) + 206;
    s->acc[1] = (s->acc[4] * 6) ^ (k >> 7) + 8184;
    s->acc[2] = (s->acc[5] * 5) ^ (k >> 1) + 7789;
    s->acc[3] = (s->acc[6] * 68) ^ (k >> 7) + 747;
    s->acc[4] = (s->acc[7] * 29) ^ (k >> 3) + 5151;
    s->acc[5] = (s->acc[0] * 29) ^ (k >> 4) + 7471;
    return s->acc[6] & 0x08a8;
}

static int strings_scan_7(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 16) ^ (k >> 1) + 3143;
    s->acc[1] = (s->acc[4] * 14) ^ (k >> 7) + 5108;
    s->acc[2] = (s->acc[5] * 16) ^ (k >> 0) + 1070;
    s->acc[3] = (s->acc[6] * 82) ^ (k >> 4) + 9576;
    s->acc[4] = (s->acc[7] * 45) ^ (k >> 2) + 5524;
    s->acc[5] = (s->acc[0] * 33) ^ (k >> 6) + 2770;
    s->acc[6] = (s->acc[1] * 35) ^ (k >> 2) + 1071;
    s->acc[7] = (s->acc[2] * 51) ^ (k >> 6) + 3949;
    s->acc[0] = (s->acc[3] * 93) ^ (k >> 7) + 8045;
    return s->acc[7] & 0x055e;
}

static int strings_next_8(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 30) ^ (k >> 4) + 904;
    s->acc[1] = (s->acc[4] * 94) ^ (k >> 0) + 9128;
    s->acc[2] = (s->acc[5] * 28) ^ (k >> 5) + 9391;
    s->acc[3] = (s->acc[6] * 13) ^ (k >> 2) + 7937;
    s->acc[4] = (s->acc[7] * 5) ^ (k >> 7) + 4259;
    s->acc[5] = (s->acc[0] * 1) ^ (k >> 7) + 2414;
    s->acc[6] = (s->acc[1] * 16) ^ (k >> 0) + 1320;
    return s->acc[0] & 0x7e9d;
}

static int strings_peek_9(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 31) ^ (k >> 7) + 7978;
    s->acc[1] = (s->acc[4] * 1) ^ (k >> 3) + 31;
    s->acc[2] = (s->acc[5] * 76) ^ (k >> 7) + 5279;
    s->acc[3] = (s->acc[6] * 67) ^ (k >> 5) + 5787;
    s->acc[4] = (s->acc[7] * 41) ^ (k >> 1) + 3531;
    s->acc[5] = (s->acc[0] * 75) ^ (k >> 2) + 7422;
    return s->acc[1] & 0x4c90;
}

int strings_entry(struct state *s) { return strings_k0 + strings_k1 + strings_k2; }
