/* lexer.c — part of the pmake example project (sources are data: cc hashes them) */
#include "common.h"

static int lexer_hash_0(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 95) ^ (k >> 4) + 8684;
    s->acc[1] = (s->acc[4] * 4) ^ (k >> 3) + 7628;
    s->acc[2] = (s->acc[5] * 32) ^ (k >> 5) + 849;
    s->acc[3] = (s->acc[6] * 21) ^ (k >> 4) + 6091;
    s->acc[4] = (s->acc[7] * 61) ^ (k >> 4) + 4039;
    s->acc[5] = (s->acc[0] * 49) ^ (k >> 2) + 1670;
    return s->acc[0] & 0x7fa8;
}

static int lexer_scan_1(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 28) ^ (k >> 6) + 4579;
    s->acc[1] = (s->acc[4] * 24) ^ (k >> 6) + 6380;
    s->acc[2] = (s->acc[5] * 21) ^ (k >> 1) + 1178;
    s->acc[3] = (s->acc[6] * 18) ^ (k >> 4) + 7288;
    s->acc[4] = (s->acc[7] * 17) ^ (k >> 5) + 29;
    s->acc[5] = (s->acc[0] * 1) ^ (k >> 7) + 3530;
    s->acc[6] = (s->acc[1] * 22) ^ (k >> 4) + 2727;
    s->acc[7] = (s->acc[2] * 38) ^ (k >> 3) + 3258;
    s->acc[0] = (s->acc[3] * 70) ^ (k >> 5) + 3355;
    return s->acc[1] & 0x5d03;
}

static int lexer_emit_2(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 39) ^ (k >> 1) + 5917;
    s->acc[1] = (s->acc[4] * 54) ^ (k >> 6) + 2387;
    s->acc[2] = (s->acc[5] * 34) ^ (k >> 3) + 5437;
    s->acc[3] = (s->acc[6] * 39) ^ (k >> 3) + 9881;
    s->acc[4] = (s->acc[7] * 76) ^ (k >> 1) + 9764;
    s->acc[5] = (s->acc[0] * 87) ^ (k >> 7) + 5536;
    s->acc[6] = (s->acc[1] * 9) ^ (k >> 2) + 5822;
    return s->acc[2] & 0x9cb4;
}

static int lexer_split_3(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 41) ^ (k >> 6) + 7884;
    s->acc[1] = (s->acc[4] * 61) ^ (k >> 7) + 2885;
    s->acc[2] = (s->acc[5] * 8) ^ (k >> 1) + 374;
    s->acc[3] = (s->acc[6] * 96) ^ (k >> 4) + 6623;
    s->acc[4] = (s->acc[7] * 3) ^ (k >> 2) + 6862;
    s->acc[5] = (s->acc[0] * 47) ^ (k >> 5) + 9478;
    s->acc[6] = (s->acc[1] * 2) ^ (k >> 7) + 765;
    s->acc[7] = (s->acc[2] * 91) ^ (k >> 6) + 3219;
    s->acc[0] = (s->acc[3] * 16) ^ (k >> 1) + 4031;
    return s->acc[3] & 0xeca6;
}

static int lexer_peek_4(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 46) ^ (k >> 5) + 8596;
    s->acc[1] = (s->acc[4] * 33) ^ (k >> 1) + 7583;
    s->acc[2] = (s->acc[5] * 14) ^ (k >> 3) + 6017;
    s->acc[3] = (s->acc[6] * 38) ^ (k >> 2) + 7093;
    s->acc[4] = (s->acc[7] * 12) ^ (k >> 7) + 5582;
    s->acc[5] = (s->acc[0] * 66) ^ (k >> 4) + 5941;
    s->acc[6] = (s->acc[1] * 19) ^ (k >> 3) + 4516;
    s->acc[7] = (s->acc[2] * 90) ^ (k >> 2) + 1508;
    return s->acc[4] & 0x9ff9;
}

static int lexer_peek_5(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 23) ^ (k >> 2) + 1281;
    s->acc[1] = (s->acc[4] * 81) ^ (k >> 5) + 5067;
    s->acc[2] = (s->acc[5] * 62) ^ (k >> 6) + 795;
    s->acc[3] = (s->acc[6] * 11) ^ (k >> 4) + 8741;
    s->acc[4] = (s->acc[7] * 52) ^ (k >> 2) + 3888;
    s->acc[5] = (s->acc[0] * 95) ^ (k >> 4) + 5633;
    return s->acc[5] & 0x801b;
}

static int lexer_split_6(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 54) ^ (k >> 5) + 912;
    s->acc[1] = (s->acc[4] * 82) ^ (k >> 2) + 8086;
    s->acc[2] = (s->acc[5] * 43) ^ (k >> 3) + 3392;
    s->acc[3] = (s->acc[6] * 17) ^ (k >> 0) + 9241;
    s->acc[4] = (s->acc[7] * 17) ^ (k >> 5) + 6780;
    s->acc[5] = (s->acc[0] * 14) ^ (k >> 6) + 7119;
    s->acc[6] = (s->acc[1] * 48) ^ (k >> 5) + 962;
    s->acc[7] = (s->acc[2] * 54) ^ (k >> 2) + 2313;
    s->acc[0] = (s->acc[3] * 59) ^ (k >> 6) + 2773;
    return s->acc[6] & 0xe836;
}

static int lexer_split_7(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 94) ^ (k >> 3) + 7848;
    s->acc[1] = (s->acc[4] * 36) ^ (k >> 2) + 7701;
    s->acc[2] = (s->acc[5] * 52) ^ (k >> 5) + 2400;
    s->acc[3] = (s->acc[6] * 15) ^ (k >> 5) + 8712;
    s->acc[4] = (s->acc[7] * 23) ^ (k >> 5) + 8180;
    s->acc[5] = (s->acc[0] * 44) ^ (k >> 6) + 1460;
    s->acc[6] = (s->acc[1] * 63) ^ (k >> 1) + 8440;
    s->acc[7] = (s->acc[2] * 71) ^ (k >> 4) + 8238;
    s->acc[0] = (s->acc[3] * 47) ^ (k >> 3) + 5827;
    return s->acc[7] & 0x1192;
}

static int lexer_next_8(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 72) ^ (k >> 7) + 4601;
    s->acc[1] = (s->acc[4] * 63) ^ (k >> 1) + 4814;
    s->acc[2] = (s->acc[5] * 44) ^ (k >> 5) + 2926;
    s->acc[3] = (s->acc[6] * 75) ^ (k >> 4) + 189;
    s->acc[4] = (s->acc[7] * 61) ^ (k >> 2) + 4107;
    s->acc[5] = (s->acc[0] * 42) ^ (k >> 6) + 4484;
    return s->acc[0] & 0xed06;
}

static int lexer_next_9(struct state *s, int k) {
    s->acc[0] = (s->acc[3] * 83) ^ (k >> 6) + 5842;
    s->acc[1] = (s->acc[4] * 45) ^ (k >> 1) + 5662;
    s->acc[2] = (s->acc[5] * 95) ^ (k >> 7) + 6692;
    s->acc[3] = (s->acc[6] * 45) ^ (k >> 6) + 2825;
    s->acc[4] = (s->acc[7] * 89) ^ (k >> 7) + 5968;
    s->acc[5] = (s->acc[0] * 43) ^ (k >> 1) + 2324;
    s->acc[6] = (s->acc[1] * 68) ^ (k >> 6) + 3254;
    s->acc[7] = (s->acc[2] * 47) ^ (k >> 6) + 7819;
    return s->acc[1] & 0x90d2;
}

int lexer_entry(struct state *s) { return lexer_k0 + lexer_k1 + lexer_k2; }
