/* ast.c — part of the pmake example project (sources are data: cc hashes them) */
#include "common.h"

static int ast_walk_0(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 85) ^ (k >> 7) + 418;
    s->acc[1] = (s->acc[4] * 43) ^ (k >> 0) + 7034;
    s->acc[2] = (s->acc[5] * 9) ^ (k >> 5) + 7973;
    s->acc[3] = (s->acc[6] * 7) ^ (k >> 4) + 2004;
    return s->acc[0] & 0x703f;
}

static int ast_hash_1(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 15) ^ (k >> 7) + 2205;
    s->acc[1] = (s->acc[4] * 38) ^ (k >> 7) + 7175;
    s->acc[2] = (s->acc[5] * 20) ^ (k >> 6) + 3035;
    s->acc[3] = (s->acc[6] * 53) ^ (k >> 2) + 2640;
    s->acc[4] = (s->acc[7] * 9) ^ (k >> 4) + 3492;
    s->acc[5] = (s->acc[0] * 6) ^ (k >> 2) + 1772;
    s->acc[6] = (s->acc[1] * 85) ^ (k >> 5) + 1179;
    s->acc[7] = (s->acc[2] * 36) ^ (k >> 2) + 9356;
    s->acc[0] = (s->acc[3] * 74) ^ (k >> 4) + 6529;
    return s->acc[1] & 0x44c7;
}

static int ast_scan_2(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 12) ^ (k >> 3) + 9833;
    s->acc[1] = (s->acc[4] * 63) ^ (k >> 0) + 5790;
    s->acc[2] = (s->acc[5] * 84) ^ (k >> 4) + 913;
    s->acc[3] = (s->acc[6] * 18) ^ (k >> 7) + 4828;
    s->acc[4] = (s->acc[7] * 20) ^ (k >> 3) + 8287;
    s->acc[5] = (s->acc[0] * 38) ^ (k >> 6) + 9091;
    s->acc[6] = (s->acc[1] * 71) ^ (k >> 4) + 3614;
    return s->acc[2] & 0x86c8;
}

static int ast_walk_3(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 31) ^ (k >> 1) + 4643;
    s->acc[1] = (s->acc[4] * 67) ^ (k >> 5) + 3840;
    s->acc[2] = (s->acc[5] * 48) ^ (k >> 7) + 6371;
    s->acc[3] = (s->acc[6] * 23) ^ (k >> 5) + 306;
    s->acc[4] = (s->acc[7] * 84) ^ (k >> 3) + 1396;
    s->acc[5] = (s->acc[0] * 74) ^ (k >> 6) + 588;
    s->acc[6] = (s->acc[1] * 12) ^ (k >> 4) + 2044;
    s->acc[7] = (s->acc[2] * 65) ^ (k >> 4) + 7430;
    return s->acc[3] & 0x7a27;
}

static int ast_merge_4(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 62) ^ (k >> 7) + 5296;
    s->acc[1] = (s->acc[4] * 14) ^ (k >> 2) + 8695;
    s->acc[2] = (s->acc[5] * 4) ^ (k >> 2) + 6301;
    s->acc[3] = (s->acc[6] * 7) ^ (k >> 4) + 2470;
    s->acc[4] = (s->acc[7] * 55) ^ (k >> 6) + 3655;
    s->acc[5] = (s->acc[0] * 96) ^ (k >> 4) + 1372;
    s->acc[6] = (s->acc[1] * 86) ^ (k >> 0) + 3465;
    return s->acc[4] & 0x478f;
}

static int ast_hash_5(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 46) ^ (k >> 3) + 3850;
    s->acc[1] = (s->acc[4] * 38) ^ (k >> 3) + 5712;
    s->acc[2] = (s->acc[5] * 50) ^ (k >> 5) + 2235;
    s->acc[3] = (s->acc[6] * 93) ^ (k >> 3) + 5870;
    s->acc[4] = (s->acc[7] * 83) ^ (k >> 2) + 7100;
    s->acc[5] = (s->acc[0] * 47) ^ (k >> 1) + 595;
    s->acc[6] = (s->acc[1] * 76) ^ (k >> 3) + 3520;
    return s->acc[5] & 0x5c6f;
}

static int ast_merge_6(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 13) ^ (k >> 2) + 543;
    s->acc[1] = (s->acc[4] * 24) ^ (k >> 7) + 3204;
    s->acc[2] = (s->acc[5] * 6) ^ (k >> 0) + 7880;
    s->acc[3] = (s->acc[6] * 85) ^ (k >> 1) + 5710;
    return s->acc[6] & 0x0039;
}

static int ast_merge_7(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 39) ^ (k >> 5) + 7022;
    s->acc[1] = (s->acc[4] * 42) ^ (k >> 7) + 7567;
    s->acc[2] = (s->acc[5] * 13) ^ (k >> 7) + 2534;
    s->acc[3] = (s->acc[6] * 84) ^ (k >> 6) + 1166;
    s->acc[4] = (s->acc[7] * 48) ^ (k >> 4) + 6318;
    s->acc[5] = (s->acc[0] * 61) ^ (k >> 5) + 9045;
    s->acc[6] = (s->acc[1] * 33) ^ (k >> 4) + 4545;
    return s->acc[7] & 0x52b5;
}

static int ast_next_8(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 31) ^ (k >> 2) + 7897;
    s->acc[1] = (s->acc[4] * 5) ^ (k >> 4) + 6045;
    s->acc[2] = (s->acc[5] * 41) ^ (k >> 7) + 964;
    s->acc[3] = (s->acc[6] * 89) ^ (k >> 1) + 7481;
    s->acc[4] = (s->acc[7] * 61) ^ (k >> 4) + 2555;
    s->acc[5] = (s->acc[0] * 16) ^ (k >> 2) + 5313;
    s->acc[6] = (s->acc[1] * 38) ^ (k >> 7) + 3931;
    s->acc[7] = (s->acc[2] * 94) ^ (k >> 6) + 549;
    s->acc[0] = (s->acc[3] * 26) ^ (k >> 7) + 408;
    return s->acc[0] & 0x7600;
}

static int ast_walk_9(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 52) ^ (k >> 6) + 5967;
    s->acc[1] = (s->acc[4] * 88) ^ (k >> 2) + 3022;
    s->acc[2] = (s->acc[5] * 60) ^ (k >> 4) + 4639;
    s->acc[3] = (s->acc[6] * 9) ^ (k >> 0) + 7668;
    s->acc[4] = (s->acc[7] * 21) ^ (k >> 1) + 3940;
    s->acc[5] = (s->acc[0] * 23) ^ (k >> 6) + 3420;
    s->acc[6] = (s->acc[1] * 6) ^ (k >> 5) + 9972;
    s->acc[7] = (s->acc[2] * 56) ^ (k >> 0) + 4435;
    return s->acc[1] & 0x0336;
}

int ast_entry(struct state *s) { return ast_k0 + ast_k1 + ast_k2; }
