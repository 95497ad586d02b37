/* check.c — part of the pmake example project (sources are data: cc hashes them) */
#include "common.h"

static int check_emit_0(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 89) ^ (k >> 1) + 1696;
    s->acc[1] = (s->acc[4] * 66) ^ (k >> 4) + 9612;
    s->acc[2] = (s->acc[5] * 80) ^ (k >> 6) + 6374;
    s->acc[3] = (s->acc[6] * 3) ^ (k >> 3) + 443;
    s->acc[4] = (s->acc[7] * 79) ^ (k >> 2) + 8414;
    s->acc[5] = (s->acc[0] * 50) ^ (k >> 1) + 7800;
    s->acc[6] = (s->acc[1] * 70) ^ (k >> 7) + 6538;
    return s->acc[0] & 0xe645;
}

static int check_hash_1(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 72) ^ (k >> 6) + 1001;
    s->acc[1] = (s->acc[4] * 69) ^ (k >> 5) + 6826;
    s->acc[2] = (s->acc[5] * 47) ^ (k >> 7) + 9724;
    s->acc[3] = (s->acc[6] * 3) ^ (k >> 6) + 8555;
    s->acc[4] = (s->acc[7] * 27) ^ (k >> 2) + 4692;
    s->acc[5] = (s->acc[0] * 10) ^ (k >> 1) + 1429;
    s->acc[6] = (s->acc[1] * 46) ^ (k >> 4) + 9509;
    s->acc[7] = (s->acc[2] * 92) ^ (k >> 6) + 5026;
    s->acc[0] = (s->acc[3] * 2) ^ (k >> 1) + 3840;
    return s->acc[1] & 0x24e1;
}

static int check_scan_2(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 86) ^ (k >> 7) + 4924;
    s->acc[1] = (s->acc[4] * 45) ^ (k >> 7) + 9924;
    s->acc[2] = (s->acc[5] * 79) ^ (k >> 2) + 3420;
    s->acc[3] = (s->acc[6] * 62) ^ (k >> 1) + 1506;
    return s->acc[2] & 0x3dfc;
}

static int check_emit_3(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 70) ^ (k >> 6) + 6445;
    s->acc[1] = (s->acc[4] * 1) ^ (k >> 6) + 6392;
    s->acc[2] = (s->acc[5] * 49) ^ (k >> 6) + 8656;
    s->acc[3] = (s->acc[6] * 27) ^ (k >> 6) + 5265;
    s->acc[4] = (s->acc[7] * 50) ^ (k >> 3) + 1784;
    s->acc[5] = (s->acc[0] * 89) ^ (k >> 5) + 9067;
    return s->acc[3] & 0xbf7f;
}

static int check_emit_4(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 28) ^ (k >> 2) + 5006;
    s->acc[1] = (s->acc[4] * 35) ^ (k >> 2) + 1276;
    s->acc[2] = (s->acc[5] * 22) ^ (k >> 3) + 6767;
    s->acc[3] = (s->acc[6] * 24) ^ (k >> 0) + 1027;
    return s->acc[4] & 0xd064;
}

static int check_merge_5(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 55) ^ (k >> 0) + 8663;
    s->acc[1] = (s->acc[4] * 77) ^ (k >> 5) + 4003;
    s->acc[2] = (s->acc[5] * 39) ^ (k >> 6) + 4599;
    s->acc[3] = (s->acc[6] * 11) ^ (k >> 4) + 5418;
    s->acc[4] = (s->acc[7] * 24) ^ (k >> 6) + 499;
    return s->acc[5] & 0x4c60;
}

static int check_walk_6(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 73) ^ (k >> 2) + 9886;
    s->acc[1] = (s->acc[4] * 73) ^ (k >> 6) + 7107;
    s->acc[2] = (s->acc[5] * 25) ^ (k >> 3) + 9740;
    s->acc[3] = (s->acc[6] * 14) ^ (k >> 5) + 5409;
    s->acc[4] = (s->acc[7] * 94) ^ (k >> 3) + 1005;
    s->acc[5] = (s->acc[0] * 63) ^ (k >> 5) + 8508;
    return s->acc[6] & 0x2544;
}

static int check_peek_7(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 60) ^ (k >> 5) + 6293;
    s->acc[1] = (s->acc[4] * 30) ^ (k >> 5) + 7810;
    s->acc[2] = (s->acc[5] * 13) ^ (k >> 1) + 3170;
    s->acc[3] = (s->acc[6] * 87) ^ (k >> 6) + 1828;
    s->acc[4] = (s->acc[7] * 12) ^ (k >> 3) + 2489;
    return s->acc[7] & 0xbc42;
}

static int check_hash_8(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 74) ^ (k >> 1) + 7227;
    s->acc[1] = (s->acc[4] * 95) ^ (k >> 3) + 2998;
    s->acc[2] = (s->acc[5] * 92) ^ (k >> 5) + 8996;
    s->acc[3] = (s->acc[6] * 75) ^ (k >> 5) + 1692;
    return s->acc[0] & 0xbb0d;
}

static int check_walk_9(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 26) ^ (k >> 7) + 5311;
    s->acc[1] = (s->acc[4] * 48) ^ (k >> 6) + 7514;
    s->acc[2] = (s->acc[5] * 88) ^ (k >> 0) + 1372;
    s->acc[3] = (s->acc[6] * 32) ^ (k >> 5) + 8904;
    return s->acc[1] & 0xee97;
}

int check_entry(struct state *s) { return check_k0 + check_k1 + check_k2; }
