/* parser.c — part of the pmake example project (sources are data: cc hashes them) */
#include "common.h"

static int parser_walk_0(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 86) ^ (k >> 0) + 6826;
    s->acc[1] = (s->acc[4] * 22) ^ (k >> 4) + 9516;
    s->acc[2] = (s->acc[5] * 67) ^ (k >> 6) + 6894;
    s->acc[3] = (s->acc[6] * 39) ^ (k >> 4) + 9063;
    s->acc[4] = (s->acc[7] * 82) ^ (k >> 1) + 452;
    s->acc[5] = (s->acc[0] * 26) ^ (k >> 6) + 9608;
    s->acc[6] = (s->acc[1] * 57) ^ (k >> 4) + 2961;
    s->acc[7] = (s->acc[2] * 29) ^ (k >> 1) + 2957;
    s->acc[0] = (s->acc[3] * 81) ^ (k >> 7) + 685;
    return s->acc[0] & 0xf173;
}

static int parser_emit_1(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 7) ^ (k >> 5) + 2187;
    s->acc[1] = (s->acc[4] * 15) ^ (k >> 3) + 2974;
    s->acc[2] = (s->acc[5] * 62) ^ (k >> 7) + 8983;
    s->acc[3] = (s->acc[6] * 5) ^ (k >> 6) + 7623;
    s->acc[4] = (s->acc[7] * 45) ^ (k >> 5) + 1179;
    return s->acc[1] & 0x68a2;
}

static int parser_emit_2(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 48) ^ (k >> 1) + 5742;
    s->acc[1] = (s->acc[4] * 52) ^ (k >> 7) + 4563;
    s->acc[2] = (s->acc[5] * 53) ^ (k >> 4) + 1885;
    s->acc[3] = (s->acc[6] * 89) ^ (k >> 3) + 8966;
    s->acc[4] = (s->acc[7] * 48) ^ (k >> 7) + 590;
    s->acc[5] = (s->acc[0] * 71) ^ (k >> 4) + 4937;
    s->acc[6] = (s->acc[1] * 13) ^ (k >> 2) + 8932;
    s->acc[7] = (s->acc[2] * 66) ^ (k >> 3) + 9517;
    s->acc[0] = (s->acc[3] * 38) ^ (k >> 7) + 5760;
    return s->acc[2] & 0x4221;
}

static int parser_merge_3(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 73) ^ (k >> 5) + 8820;
    s->acc[1] = (s->acc[4] * 48) ^ (k >> 7) + 2328;
    s->acc[2] = (s->acc[5] * 21) ^ (k >> 4) + 6270;
    s->acc[3] = (s->acc[6] * 73) ^ (k >> 0) + 3262;
    s->acc[4] = (s->acc[7] * 18) ^ (k >> 4) + 1488;
    s->acc[5] = (s->acc[0] * 45) ^ (k >> 3) + 15;
    s->acc[6] = (s->acc[1] * 49) ^ (k >> 4) + 5341;
    return s->acc[3] & 0x4809;
}

static int parser_peek_4(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 73) ^ (k >> 5) + 7032;
    s->acc[1] = (s->acc[4] * 56) ^ (k >> 0) + 8084;
    s->acc[2] = (s->acc[5] * 38) ^ (k >> 0) + 6222;
    s->acc[3] = (s->acc[6] * 50) ^ (k >> 7) + 2605;
    s->acc[4] = (s->acc[7] * 77) ^ (k >> 4) + 4256;
    s->acc[5] = (s->acc[0] * 95) ^ (k >> 2) + 8131;
    s->acc[6] = (s->acc[1] * 33) ^ (k >> 6) + 322;
    s->acc[7] = (s->acc[2] * 41) ^ (k >> 7) + 5037;
    s->acc[0] = (s->acc[3] * 63) ^ (k >> 6) + 4692;
    return s->acc[4] & 0x495d;
}

static int parser_split_5(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 16) ^ (k >> 6) + 7265;
    s->acc[1] = (s->acc[4] * 32) ^ (k >> 2) + 654;
    s->acc[2] = (s->acc[5] * 18) ^ (k >> 3) + 6428;
    s->acc[3] = (s->acc[6] * 2) ^ (k >> 0) + 8725;
    return s->acc[5] & 0x8c2d;
}

static int parser_emit_6(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 5) ^ (k >> 0) + 8030;
    s->acc[1] = (s->acc[4] * 35) ^ (k >> 4) + 2535;
    s->acc[2] = (s->acc[5] * 93) ^ (k >> 2) + 4803;
    s->acc[3] = (s->acc[6] * 64) ^ (k >> 4) + 7776;
    s->acc[4] = (s->acc[7] * 67) ^ (k >> 5) + 9893;
    s->acc[5] = (s->acc[0] * 96) ^ (k >> 5) + 1936;
    s->acc[6] = (s->acc[1] * 3) ^ (k >> 1) + 2064;
    return s->acc[6] & 0x99f4;
}

static int parser_next_7(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 91) ^ (k >> 3) + 4863;
    s->acc[1] = (s->acc[4] * 94) ^ (k >> 1) + 436;
    s->acc[2] = (s->acc[5] * 60) ^ (k >> 4) + 5915;
    s->acc[3] = (s->acc[6] * 88) ^ (k >> 0) + 9679;
    s->acc[4] = (s->acc[7] * 17) ^ (k >> 2) + 46;
    s->acc[5] = (s->acc[0] * 33) ^ (k >> 2) + 7464;
    s->acc[6] = (s->acc[1] * 88) ^ (k >> 6) + 1762;
    s->acc[7] = (s->acc[2] * 88) ^ (k >> 2) + 3132;
    return s->acc[7] & 0x0774;
}

static int parser_merge_8(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 77) ^ (k >> 3) + 7895;
    s->acc[1] = (s->acc[4] * 50) ^ (k >> 0) + 6420;
    s->acc[2] = (s->acc[5] * 88) ^ (k >> 4) + 3218;
    s->acc[3] = (s->acc[6] * 38) ^ (k >> 7) + 1082;
    s->acc[4] = (s->acc[7] * 39) ^ (k >> 3) + 52;
    s->acc[5] = (s->acc[0] * 89) ^ (k >> 1) + 7091;
    s->acc[6] = (s->acc[1] * 75) ^ (k >> 2) + 7740;
    return s->acc[0] & 0x9f34;
}

static int parser_fold_9(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 62) ^ (k >> 7) + 8996;
    s->acc[1] = (s->acc[4] * 64) ^ (k >> 3) + 8813;
    s->acc[2] = (s->acc[5] * 20) ^ (k >> 6) + 9598;
    s->acc[3] = (s->acc[6] * 70) ^ (k >> 2) + 795;
    s->acc[4] = (s->acc[7] * 9) ^ (k >> 0) + 3768;
    return s->acc[1] & 0x88cf;
}

int parser_entry(struct state *s) { return parser_k0 + parser_k1 + parser_k2; }
