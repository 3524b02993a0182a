// A private network namespace for kernel-oracle tests: created with
// `ip netns add`, entered with setns(2) for the life of the object, its
// loopback brought up, deleted afterwards. Without root or iproute2,
// skip_reason says why and nothing was changed.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace vpnwire_test {

class netns {
public:
  explicit netns(const std::string &tag) {
    name_ = "vpnwire-" + tag + "-" + std::to_string(::getpid());
    if (::geteuid() != 0) {
      skip_reason = "needs root (CAP_SYS_ADMIN) to create a network namespace";
      name_.clear();
      return;
    }
    if (std::system(("ip netns add " + name_ + " 2>/dev/null").c_str()) != 0) { // NOLINT(cert-env33-c)
      skip_reason = "`ip netns add` failed (no privilege or no iproute2)";
      name_.clear();
      return;
    }
    if (std::system(("ip netns exec " + name_ + " ip link set lo up").c_str()) != 0) { // NOLINT(cert-env33-c)
      skip_reason = "cannot bring lo up in the namespace";
      return;
    }
    old_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    const int fd = ::open(("/var/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || old_ < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
      skip_reason = "setns into the new namespace failed";
      if (fd >= 0) ::close(fd);
      return;
    }
    ::close(fd);
    entered_ = true;
  }
  netns(const netns &) = delete;
  netns &operator=(const netns &) = delete;
  ~netns() {
    if (entered_) (void)::setns(old_, CLONE_NEWNET);
    if (old_ >= 0) ::close(old_);
    if (!name_.empty()) (void)std::system(("ip netns del " + name_ + " 2>/dev/null").c_str()); // NOLINT(cert-env33-c)
  }
  /// Empty when the namespace is entered.
  std::string skip_reason;
  /// Runs a shell command inside the namespace (`ip netns exec`); its exit status.
  int exec(const std::string &cmd) const {
    return std::system(("ip netns exec " + name_ + " " + cmd).c_str()); // NOLINT(cert-env33-c)
  }

private:
  std::string name_;
  int old_ = -1;
  bool entered_ = false;
};

} // namespace vpnwire_test
