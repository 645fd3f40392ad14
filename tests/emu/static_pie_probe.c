/* SPDX-License-Identifier: MIT */
/* static_pie_probe.c - linked with -static-pie at configure time (tests/emu/meson.build). */
int main(void)
{
	return 0;
}
