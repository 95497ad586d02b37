/* types.c — part of the pmake example project (sources are data: cc hashes them) */
#include "common.h"

static int types_split_0(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 58) ^ (k >> 1) + 6720;
    s->acc[1] = (s->acc[4] * 22) ^ (k >> 2) + 545;
    s->acc[2] = (s->acc[5] * 71) ^ (k >> 3) + 8502;
    s->acc[3] = (s->acc[6] * 73) ^ (k >> 4) + 1537;
    return s->acc[0] & 0x2476;
}

static int types_emit_1(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 12) ^ (k >> 6) + 7721;
    s->acc[1] = (s->acc[4] * 7) ^ (k >> 6) + 3988;
    s->acc[2] = (s->acc[5] * 83) ^ (k >> 2) + 8149;
    s->acc[3] = (s->acc[6] * 51) ^ (k >> 2) + 985;
    s->acc[4] = (s->acc[7] * 7) ^ (k >> 1) + 6676;
    s->acc[5] = (s->acc[0] * 58) ^ (k >> 2) + 841;
    s->acc[6] = (s->acc[1] * 5) ^ (k >> 7) + 3186;
    return s->acc[1] & 0x5bd8;
}

static int types_find_2(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 52) ^ (k >> 7) + 8704;
    s->acc[1] = (s->acc[4] * 30) ^ (k >> 3) + 5142;
    s->acc[2] = (s->acc[5] * 14) ^ (k >> 3) + 8879;
    s->acc[3] = (s->acc[6] * 21) ^ (k >> 4) + 1234;
    s->acc[4] = (s->acc[7] * 94) ^ (k >> 7) + 285;
    s->acc[5] = (s->acc[0] * 57) ^ (k >> 2) + 5859;
    s->acc[6] = (s->acc[1] * 63) ^ (k >> 6) + 9362;
    s->acc[7] = (s->acc[2] * 49) ^ (k >> 1) + 2174;
    s->acc[0] = (s->acc[3] * 93) ^ (k >> 1) + 5039;
    return s->acc[2] & 0xe5e8;
}

static int types_emit_3(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 15) ^ (k >> 5) + 5107;
    s->acc[1] = (s->acc[4] * 62) ^ (k >> 3) + 4316;
    s->acc[2] = (s->acc[5] * 52) ^ (k >> 3) + 2173;
    s->acc[3] = (s->acc[6] * 17) ^ (k >> 2) + 1343;
    s->acc[4] = (s->acc[7] * 61) ^ (k >> 0) + 1381;
    s->acc[5] = (s->acc[0] * 55) ^ (k >> 7) + 9453;
    s->acc[6] = (s->acc[1] * 86) ^ (k >> 0) + 4519;
    s->acc[7] = (s->acc[2] * 8) ^ (k >> 0) + 4075;
    return s->acc[3] & 0x1897;
}

static int types_emit_4(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 48) ^ (k >> 5) + 1614;
    s->acc[1] = (s->acc[4] * 10) ^ (k >> 6) + 5143;
    s->acc[2] = (s->acc[5] * 49) ^ (k >> 1) + 9110;
    s->acc[3] = (s->acc[6] * 1) ^ (k >> 5) + 4684;
    s->acc[4] = (s->acc[7] * 84) ^ (k >> 7) + 2155;
    s->acc[5] = (s->acc[0] * 74) ^ (k >> 1) + 7244;
    return s->acc[4] & 0x4975;
}

static int types_scan_5(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 7) ^ (k >> 7) + 7005;
    s->acc[1] = (s->acc[4] * 35) ^ (k >> 4) + 6265;
    s->acc[2] = (s->acc[5] * 72) ^ (k >> 5) + 5263;
    s->acc[3] = (s->acc[6] * 9) ^ (k >> 2) + 2774;
    s->acc[4] = (s->acc[7] * 18) ^ (k >> 1) + 8154;
    s->acc[5] = (s->acc[0] * 87) ^ (k >> 3) + 4677;
    s->acc[6] = (s->acc[1] * 5) ^ (k >> 3) + 8886;
    s->acc[7] = (s->acc[2] * 95) ^ (k >> 2) + 456;
    s->acc[0] = (s->acc[3] * 4) ^ (k >> 4) + 829;
    return s->acc[5] & 0x429e;
}

static int types_peek_6(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 34) ^ (k >> 7) + 272;
    s->acc[1] = (s->acc[4] * 30) ^ (k >> 1) + 7027;
    s->acc[2] = (s->acc[5] * 17) ^ (k >> 4) + 3296;
    s->acc[3] = (s->acc[6] * 43) ^ (k >> 4) + 203;
    s->acc[4] = (s->acc[7] * 21) ^ (k >> 3) + 2673;
    s->acc[5] = (s->acc[0] * 94) ^ (k >> 4) + 4393;
    s->acc[6] = (s->acc[1] * 68) ^ (k >> 4) + 2804;
    return s->acc[6] & 0x49be;
}

static int types_split_7(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 55) ^ (k >> 4) + 5463;
    s->acc[1] = (s->acc[4] * 41) ^ (k >> 7) + 3740;
    s->acc[2] = (s->acc[5] * 60) ^ (k >> 4) + 7113;
    s->acc[3] = (s->acc[6] * 22) ^ (k >> 7) + 793;
    s->acc[4] = (s->acc[7] * 86) ^ (k >> 6) + 2631;
    s->acc[5] = (s->acc[0] * 69) ^ (k >> 0) + 8051;
    s->acc[6] = (s->acc[1] * 77) ^ (k >> 1) + 1696;
    return s->acc[7] & 0x40f6;
}

static int types_merge_8(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 7) ^ (k >> 7) + 17;
    s->acc[1] = (s->acc[4] * 5) ^ (k >> 6) + 9453;
    s->acc[2] = (s->acc[5] * 31) ^ (k >> 0) + 5804;
    s->acc[3] = (s->acc[6] * 51) ^ (k >> 7) + 3532;
    s->acc[4] = (s->acc[7] * 26) ^ (k >> 1) + 3295;
    s->acc[5] = (s->acc[0] * 39) ^ (k >> 2) + 8451;
    s->acc[6] = (s->acc[1] * 46) ^ (k >> 1) + 3957;
    s->acc[7] = (s->acc[2] * 47) ^ (k >> 4) + 4067;
    s->acc[0] = (s->acc[3] * 85) ^ (k >> 3) + 1016;
    return s->acc[0] & 0xfd1e;
}

static int types_merge_9(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 19) ^ (k >> 5) + 3904;
    s->acc[1] = (s->acc[4] * 63) ^ (k >> 5) + 618;
    s->acc[2] = (s->acc[5] * 13) ^ (k >> 6) + 6504;
    s->acc[3] = (s->acc[6] * 13) ^ (k >> 1) + 4611;
    s->acc[4] = (s->acc[7] * 26) ^ (k >> 2) + 5309;
    s->acc[5] = (s->acc[0] * 62) ^ (k >> 6) + 7702;
    return s->acc[1] & 0x2ea5;
}

int types_entry(struct state *s) { return types_k0 + types_k1 + types_k2; }
