package shape

import "golang.org/x/sys/unix"

// systemMemory returns RAM plus swap in bytes, from sysinfo(2).
func systemMemory() (uint64, bool) {
	var info unix.Sysinfo_t
	if err := unix.Sysinfo(&info); err != nil {
		return 0, false
	}
	unit := uint64(info.Unit)
	if unit == 0 {
		unit = 1
	}
	return (uint64(info.Totalram) + uint64(info.Totalswap)) * unit, true
}
