package main

import (
	"fmt"
	"strings"
)

// sparkline draws values as at most width bars (▁ … █), each the mean of
// an equal share of the values, scaled from the lowest bar to the highest,
// and labels it with the first and last bar's value.
func sparkline(values []float64, width int) string {
	width = min(width, len(values))
	if width == 0 {
		return ""
	}
	bars := make([]float64, width)
	for i := range bars {
		from, to := i*len(values)/width, (i+1)*len(values)/width
		for _, v := range values[from:to] {
			bars[i] += v
		}
		bars[i] /= float64(to - from)
	}
	low, high := bars[0], bars[0]
	for _, v := range bars {
		low, high = min(low, v), max(high, v)
	}
	const ticks = "▁▂▃▄▅▆▇█"
	runes := []rune(ticks)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%.2g ", bars[0])
	for _, v := range bars {
		level := 0
		if high > low {
			level = int((v-low)/(high-low)*float64(len(runes)-1) + 0.5)
		}
		sb.WriteRune(runes[level])
	}
	fmt.Fprintf(&sb, " %.2g", bars[width-1])
	return sb.String()
}
