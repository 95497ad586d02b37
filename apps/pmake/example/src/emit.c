/* emit.c — part of the pmake example project (sources are data: cc hashes them) */
#include "common.h"

static int emit_scan_0(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 25) ^ (k >> 4) + 2821;
    s->acc[1] = (s->acc[4] * 59) ^ (k >> 5) + 7183;
    s->acc[2] = (s->acc[5] * 61) ^ (k >> 0) + 4736;
    s->acc[3] = (s->acc[6] * 67) ^ (k >> 3) + 406;
    s->acc[4] = (s->acc[7] * 90) ^ (k >> 1) + 7623;
    return s->acc[0] & 0x68a4;
}

static int emit_scan_1(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 57) ^ (k >> 1) + 3298;
    s->acc[1] = (s->acc[4] * 9) ^ (k >> 7) + 5569;
    s->acc[2] = (s->acc[5] * 26) ^ (k >> 4) + 8750;
    s->acc[3] = (s->acc[6] * 48) ^ (k >> 5) + 1461;
    s->acc[4] = (s->acc[7] * 23) ^ (k >> 0) + 6481;
    s->acc[5] = (s->acc[0] * 1) ^ (k >> 2) + 7023;
    s->acc[6] = (s->acc[1] * 8) ^ (k >> 2) + 3072;
    s->acc[7] = (s->acc[2] * 94) ^ (k >> 4) + 6369;
    s->acc[0] = (s->acc[3] * 51) ^ (k >> 6) + 1875;
    return s->acc[1] & 0xc489;
}

static int emit_emit_2(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 17) ^ (k >> 5) + 7389;
    s->acc[1] = (s->acc[4] * 19) ^ (k >> 6) + 431;
    s->acc[2] = (s->acc[5] * 36) ^ (k >> 7) + 8598;
    s->acc[3] = (s->acc[6] * 26) ^ (k >> 7) + 4369;
    s->acc[4] = (s->acc[7] * 12) ^ (k >> 4) + 3812;
    return s->acc[2] & 0xd857;
}

static int emit_merge_3(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 85) ^ (k >> 2) + 7264;
    s->acc[1] = (s->acc[4] * 94) ^ (k >> 7) + 3319;
    s->acc[2] = (s->acc[5] * 42) ^ (k >> 3) + 4101;
    s->acc[3] = (s->acc[6] * 92) ^ (k >> 6) + 756;
    s->acc[4] = (s->acc[7] * 25) ^ (k >> 3) + 8740;
    s->acc[5] = (s->acc[0] * 21) ^ (k >> 4) + 1551;
    s->acc[6] = (s->acc[1] * 91) ^ (k >> 4) + 7094;
    s->acc[7] = (s->acc[2] * 47) ^ (k >> 3) + 2357;
    s->acc[0] = (s->acc[3] * 81) ^ (k >> 2) + 2983;
    return s->acc[3] & 0x0386;
}

static int emit_find_4(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 91) ^ (k >> 6) + 1719;
    s->acc[1] = (s->acc[4] * 96) ^ (k >> 1) + 9010;
    s->acc[2] = (s->acc[5] * 60) ^ (k >> 7) + 5343;
    s->acc[3] = (s->acc[6] * 93) ^ (k >> 6) + 1307;
    s->acc[4] = (s->acc[7] * 63) ^ (k >> 5) + 6022;
    return s->acc[4] & 0x037a;
}

static int emit_scan_5(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 78) ^ (k >> 4) + 7826;
    s->acc[1] = (s->acc[4] * 34) ^ (k >> 2) + 9364;
    s->acc[2] = (s->acc[5] * 58) ^ (k >> 5) + 5393;
    s->acc[3] = (s->acc[6] * 78) ^ (k >> 2) + 6757;
    s->acc[4] = (s->acc[7] * 22) ^ (k >> 5) + 6987;
    s->acc[5] = (s->acc[0] * 72) ^ (k >> 7) + 270;
    s->acc[6] = (s->acc[1] * 30) ^ (k >> 0) + 4827;
    s->acc[7] = (s->acc[2] * 14) ^ (k >> 3) + 8422;
    s->acc[0] = (s->acc[3] * 10) ^ (k >> 1) + 8797;
    return s->acc[5] & 0xf7d8;
}

static int emit_emit_6(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 86) ^ (k >> 5) + 9738;
    s->acc[1] = (s->acc[4] * 41) ^ (k >> 4) + 1327;
    s->acc[2] = (s->acc[5] * 94) ^ (k >> 3) + 6673;
    s->acc[3] = (s->acc[6] * 23) ^ (k >> 3) + 5740;
    return s->acc[6] & 0x1559;
}

static int emit_next_7(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 87) ^ (k >> 1) + 2023;
    s->acc[1] = (s->acc[4] * 67) ^ (k >> 5) + 1351;
    s->acc[2] = (s->acc[5] * 83) ^ (k >> 4) + 1393;
    s->acc[3] = (s->acc[6] * 6) ^ (k >> 0) + 8407;
    s->acc[4] = (s->acc[7] * 61) ^ (k >> 7) + 7258;
    s->acc[5] = (s->acc[0] * 39) ^ (k >> 5) + 6949;
    s->acc[6] = (s->acc[1] * 36) ^ (k >> 4) + 7364;
    s->acc[7] = (s->acc[2] * 74) ^ (k >> 3) + 8465;
    s->acc[0] = (s->acc[3] * 32) ^ (k >> 5) + 4755;
    return s->acc[7] & 0x2e81;
}

static int emit_hash_8(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 10) ^ (k >> 6) + 6169;
    s->acc[1] = (s->acc[4] * 38) ^ (k >> 6) + 1571;
    s->acc[2] = (s->acc[5] * 21) ^ (k >> 4) + 6945;
    s->acc[3] = (s->acc[6] * 12) ^ (k >> 3) + 3424;
    s->acc[4] = (s->acc[7] * 46) ^ (k >> 6) + 1702;
    s->acc[5] = (s->acc[0] * 60) ^ (k >> 3) + 1610;
    return s->acc[0] & 0xfe39;
}

static int emit_peek_9(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 88) ^ (k >> 7) + 7419;
    s->acc[1] = (s->acc[4] * 90) ^ (k >> 4) + 952;
    s->acc[2] = (s->acc[5] * 77) ^ (k >> 0) + 4679;
    s->acc[3] = (s->acc[6] * 40) ^ (k >> 1) + 7535;
    return s->acc[1] & 0xb188;
}

int emit_entry(struct state *s) { return emit_k0 + emit_k1 + emit_k2; }
