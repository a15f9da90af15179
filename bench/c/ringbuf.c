/* ringbuf: records per second consumed from a BPF ring buffer with libbpf's ring_buffer.
 *
 * Usage: ringbuf [records-per-run] [runs] [iters] [ring|perf]
 *
 * With "perf", the same with a perf event array instead: bpf_perf_event_output into the current
 * CPU's buffer (4096 pages per CPU), read by perf_buffer__consume() and perf_buffer__poll() with a
 * sample callback doing the same work; "lost" counts the samples the kernel reported lost.
 *
 * An XDP program written as raw instructions emits `records-per-run` 64-byte records with
 * bpf_ringbuf_output; BPF_PROG_TEST_RUN runs it `runs` times (untimed), filling a 16 MiB ring
 * buffer; then ring_buffer__consume() drains it through a callback that counts the records and
 * reads their first word (timed). The same again with ring_buffer__poll() (epoll_wait, which
 * returns at once since the ring has data, then the same drain). Prints one JSON line: "records"
 * (per iteration), "ms" (median consume time), "poll_ms" (median poll time), "records_per_s",
 * peak RSS. Needs root.
 */
#include "common.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#define RING_SIZE (16u << 20)
#define RECORD 64

static unsigned long long seen, sum, lost;

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	seen++;
	sum += *(unsigned long long *)data + size;
	return 0;
}

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	(void)ctx;
	(void)cpu;
	seen++;
	sum += *(unsigned long long *)data + size;
}

static void on_lost(void *ctx, int cpu, __u64 cnt)
{
	(void)ctx;
	(void)cpu;
	lost += cnt;
}

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static int load_program(int ring_fd, int per_run, int perf)
{
	static struct bpf_insn insns[8192];
	int n = 0, k, off;

	insns[n++] = INSN(0xbf, 6, 1, 0, 0);
	for (k = 0; k < per_run; k++) {
		for (off = 8; off < RECORD; off += 8)
			insns[n++] = INSN(0x7a, 10, 0, -RECORD + off, 0);
		insns[n++] = INSN(0x7a, 10, 0, -RECORD, k);
		if (perf) {
			insns[n++] = INSN(0xbf, 1, 6, 0, 0);
			insns[n++] = INSN(0x18, 2, 1, 0, ring_fd);
			insns[n++] = INSN(0, 0, 0, 0, 0);
			insns[n++] = INSN(0x18, 3, 0, 0, -1);
			insns[n++] = INSN(0, 0, 0, 0, 0);
			insns[n++] = INSN(0xbf, 4, 10, 0, 0);
			insns[n++] = INSN(0x07, 4, 0, 0, -RECORD);
			insns[n++] = INSN(0xb7, 5, 0, 0, RECORD);
			insns[n++] = INSN(0x85, 0, 0, 0, 25);
			continue;
		}
		insns[n++] = INSN(0x18, 1, 1, 0, ring_fd);
		insns[n++] = INSN(0, 0, 0, 0, 0);
		insns[n++] = INSN(0xbf, 2, 10, 0, 0);
		insns[n++] = INSN(0x07, 2, 0, 0, -RECORD);
		insns[n++] = INSN(0xb7, 3, 0, 0, RECORD);
		insns[n++] = INSN(0xb7, 4, 0, 0, 0);
		insns[n++] = INSN(0x85, 0, 0, 0, 130);
	}
	insns[n++] = INSN(0xb7, 0, 0, 0, 2);
	insns[n++] = INSN(0x95, 0, 0, 0, 0);
	return bpf_prog_load(BPF_PROG_TYPE_XDP, "ringbuf_bench", "GPL", insns, (size_t)n, NULL);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int per_run = argc > 1 ? atoi(argv[1]) : 32;
	int runs = argc > 2 ? atoi(argv[2]) : 6000;
	int iters = argc > 3 ? atoi(argv[3]) : 5, i;
	double times[64], polls[64];
	unsigned char packet[64] = { 0 };
	int perf = argc > 4 && strcmp(argv[4], "perf") == 0;
	int ring_fd, prog_fd;
	struct ring_buffer *rb = NULL;
	struct perf_buffer *pb = NULL;

	if (iters > 64)
		iters = 64;
	if (perf)
		ring_fd = bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, "bench_perf", 4, 4, (unsigned)libbpf_num_possible_cpus(), NULL);
	else
		ring_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "bench_ring", 0, 0, RING_SIZE, NULL);
	if (ring_fd < 0)
		die("bpf_map_create: %s", strerror(errno));
	prog_fd = load_program(ring_fd, per_run, perf);
	if (prog_fd < 0)
		die("bpf_prog_load: %s", strerror(errno));
	if (perf)
		pb = perf_buffer__new(ring_fd, RING_SIZE / 4096, on_sample, on_lost, NULL, NULL);
	else
		rb = ring_buffer__new(ring_fd, on_record, NULL, NULL);
	if (!rb && !pb)
		die("%s: %s", perf ? "perf_buffer__new" : "ring_buffer__new", strerror(errno));
	for (i = 0; i < iters; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = packet, .data_size_in = sizeof(packet), .repeat = (unsigned)runs);
		double t0;

		if (bpf_prog_test_run_opts(prog_fd, &opts) != 0)
			die("bpf_prog_test_run_opts: %s", strerror(errno));
		seen = 0;
		t0 = now_ms();
		if ((perf ? perf_buffer__consume(pb) : ring_buffer__consume(rb)) < 0)
			die("consume: %s", strerror(errno));
		times[i] = now_ms() - t0;
		if (seen != (unsigned long long)per_run * (unsigned long long)runs)
			die("consumed %llu records, expected %llu (ring too small?)", seen, (unsigned long long)per_run * runs);

		if (bpf_prog_test_run_opts(prog_fd, &opts) != 0)
			die("bpf_prog_test_run_opts: %s", strerror(errno));
		seen = 0;
		t0 = now_ms();
		if ((perf ? perf_buffer__poll(pb, 1000) : ring_buffer__poll(rb, 1000)) < 0)
			die("poll: %s", strerror(errno));
		polls[i] = now_ms() - t0;
		if (seen != (unsigned long long)per_run * (unsigned long long)runs)
			die("polled %llu records, expected %llu (ring too small?)", seen, (unsigned long long)per_run * runs);
	}
	qsort(times, (size_t)iters, sizeof(times[0]), cmp);
	qsort(polls, (size_t)iters, sizeof(polls[0]), cmp);
	printf("{\"records\":%llu,\"ms\":%.3f,\"poll_ms\":%.3f,\"records_per_s\":%.0f,\"peak_rss_kb\":%ld,\"lost\":%llu,\"checksum\":%llu}\n", seen, times[iters / 2],
	       polls[iters / 2], (double)seen / (times[iters / 2] / 1e3), peak_rss_kb(), lost, sum & 0xffff);
	ring_buffer__free(rb);
	perf_buffer__free(pb);
	return 0;
}
