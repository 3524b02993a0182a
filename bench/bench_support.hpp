// Shared by every benchmark binary: a naming convention and a reporter that
// prints, after the usual table, the ratio of each baseline to vpnwire.
//
// Name benchmarks "<group>/<impl>/<args...>", e.g. "checksum/vpnwire/1500"
// and "checksum/naive_loop/1500". Implementations whose name starts with
// "vpnwire" are ours; every other is a baseline. For each group and args the
// reporter prints  baseline_time / vpnwire_time  ("x faster"; < 1 means
// vpnwire is slower), using the median when --benchmark_repetitions > 1.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace vpnwire_bench {

class ratio_reporter : public benchmark::ConsoleReporter {
public:
  void ReportRuns(const std::vector<Run> &runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run &r : runs) {
      if (r.error_occurred) continue;
      std::string name = r.benchmark_name();
      bool median = false;
      if (r.run_type == Run::RT_Aggregate) {
        if (r.aggregate_name != "median") continue;
        median = true;
        const auto pos = name.rfind("_median");
        if (pos != std::string::npos) name.erase(pos);
      }
      const auto s1 = name.find('/');
      if (s1 == std::string::npos) continue;
      const auto s2 = name.find('/', s1 + 1);
      const std::string group = name.substr(0, s1);
      const std::string impl = name.substr(s1 + 1, s2 == std::string::npos ? std::string::npos : s2 - s1 - 1);
      const std::string args = s2 == std::string::npos ? "" : name.substr(s2 + 1);
      auto &slot = times_[group + (args.empty() ? "" : "/" + args)][impl];
      if (median || !slot.median) slot = {r.GetAdjustedRealTime(), median};
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    bool header = false;
    for (const auto &[key, impls] : times_) {
      for (const auto &[ours, ours_t] : impls) {
        if (ours.rfind("vpnwire", 0) != 0) continue;
        for (const auto &[base, base_t] : impls) {
          if (base.rfind("vpnwire", 0) == 0) continue;
          if (!header) {
            std::printf("\nratios (baseline time / vpnwire time; >1 means vpnwire is faster)\n");
            header = true;
          }
          std::printf("  %-40s %-18s vs %-22s %8.2fx\n", key.c_str(), ours.c_str(), base.c_str(),
                      base_t.time / ours_t.time);
        }
      }
    }
    std::fflush(stdout);
  }

private:
  struct sample {
    double time = 0;
    bool median = false;
  };
  std::map<std::string, std::map<std::string, sample>> times_;
};

} // namespace vpnwire_bench

/// Use instead of BENCHMARK_MAIN() to get the ratio table.
#define VPNWIRE_BENCH_MAIN()                                                                                           \
  int main(int argc, char **argv) {                                                                                    \
    benchmark::Initialize(&argc, argv);                                                                                \
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;                                                  \
    vpnwire_bench::ratio_reporter reporter;                                                                            \
    benchmark::RunSpecifiedBenchmarks(&reporter);                                                                      \
    benchmark::Shutdown();                                                                                             \
    return 0;                                                                                                          \
  }                                                                                                                    \
  static_assert(true, "")
