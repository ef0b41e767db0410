package data

import (
	"bytes"
	"hash/maphash"
	"math/bits"
)

// Duplicate detection works on decoded pixels: two files are exact
// duplicates when their decoded (and resized) pixels are equal, whatever
// their encoding, and near duplicates when their difference hashes differ
// in at most a few bits.

// dHash is a 64-bit difference hash: the image is shrunk to 9x8 gray cells
// (box averages) and bit 8*r+c is set when cell (r, c) is brighter than
// cell (r, c+1). It survives re-encoding, resizing and small brightness
// changes.
func dHash(img []uint8, h, w, c int) uint64 {
	var cells [8][9]float64
	for r := range 8 {
		r0, r1 := r*h/8, max((r+1)*h/8, r*h/8+1)
		for k := range 9 {
			c0, c1 := k*w/9, max((k+1)*w/9, k*w/9+1)
			var s float64
			for y := r0; y < min(r1, h); y++ {
				row := img[y*w*c:]
				for x := c0; x < min(c1, w); x++ {
					for ch := range min(c, 3) {
						s += float64(row[x*c+ch])
					}
				}
			}
			cells[r][k] = s / float64((r1-r0)*(c1-c0))
		}
	}
	var hash uint64
	for r := range 8 {
		for k := range 8 {
			if cells[r][k] > cells[r][k+1] {
				hash |= 1 << (8*r + k)
			}
		}
	}
	return hash
}

// thumbSide is the side of the gray thumbnails that confirm near
// duplicates.
const thumbSide = 16

// thumbnail shrinks an image to thumbSide x thumbSide gray box averages
// and subtracts their mean, so that a brightness offset does not matter.
func thumbnail(img []uint8, h, w, c int) []float32 {
	t := make([]float32, thumbSide*thumbSide)
	var mean float32
	for r := range thumbSide {
		r0, r1 := r*h/thumbSide, max((r+1)*h/thumbSide, r*h/thumbSide+1)
		for k := range thumbSide {
			c0, c1 := k*w/thumbSide, max((k+1)*w/thumbSide, k*w/thumbSide+1)
			var s, n float32
			for y := r0; y < min(r1, h); y++ {
				for x := c0; x < min(c1, w); x++ {
					for ch := range min(c, 3) {
						s += float32(img[(y*w+x)*c+ch])
						n++
					}
				}
			}
			t[r*thumbSide+k] = s / n
			mean += s / n
		}
	}
	mean /= float32(len(t))
	for i := range t {
		t[i] -= mean
	}
	return t
}

// thumbDistance is the relative L1 distance of two mean-free thumbnails,
// sum|a-b| / (sum|a| + sum|b|): 0 for equal pictures, about 1 for
// unrelated ones, whatever their contrast (two flat images are at 0).
func thumbDistance(a, b []float32) float64 {
	var d, n float32
	for i := range a {
		d += abs32(a[i] - b[i])
		n += abs32(a[i]) + abs32(b[i])
	}
	if n == 0 {
		return 0
	}
	return float64(d / n)
}

// pixelDistance is thumbDistance at full resolution, on all channels:
// sum|(a-mean a)-(b-mean b)| / (sum|a-mean a| + sum|b-mean b|).
func pixelDistance(a, b []uint8) float64 {
	var sa, sb int64
	for i := range a {
		sa += int64(a[i])
		sb += int64(b[i])
	}
	ma, mb := float32(sa)/float32(len(a)), float32(sb)/float32(len(b))
	var d, n float32
	for i := range a {
		x, y := float32(a[i])-ma, float32(b[i])-mb
		d += abs32(x - y)
		n += abs32(x) + abs32(y)
	}
	if n == 0 {
		return 0
	}
	return float64(d / n)
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// item is one image taking part in duplicate detection.
type item struct {
	set   int // index into the inspected sets
	index int // index into that set's dataset
	img   []uint8
	label int32
}

// exactGroups groups items whose pixels are byte-for-byte equal; only
// groups of two or more are returned, each in item order.
func exactGroups(items []item) [][]int {
	seed := maphash.MakeSeed()
	byHash := map[uint64][]int{}
	var keys []uint64
	for i, it := range items {
		h := maphash.Bytes(seed, it.img)
		if byHash[h] == nil {
			keys = append(keys, h)
		}
		byHash[h] = append(byHash[h], i)
	}
	var groups [][]int
	for _, k := range keys {
		members := byHash[k]
		if len(members) < 2 {
			continue
		}
		// Split a (rare) hash collision into truly equal groups.
		for len(members) > 0 {
			first := members[0]
			same, rest := []int{first}, members[:0:0]
			for _, m := range members[1:] {
				if bytes.Equal(items[m].img, items[first].img) {
					same = append(same, m)
				} else {
					rest = append(rest, m)
				}
			}
			if len(same) > 1 {
				groups = append(groups, same)
			}
			members = rest
		}
	}
	return groups
}

// nearPairs returns the pairs (i < j) of hashes at Hamming distance at
// most maxDist that confirm accepts, finding candidates by pigeonhole:
// split into maxDist+1 bands, two hashes that close agree on at least one
// band. Buckets larger than maxBucket (e.g. thousands of blank images) are
// compared only against their first maxBucket members, and the count of
// such skipped comparisons is returned.
func nearPairs(hashes []uint64, maxDist, maxBucket int, confirm func(i, j int) bool) (pairs [][2]int, truncated int) {
	bands := maxDist + 1
	width := 64 / bands
	seen := map[[2]int]bool{}
	for b := range bands {
		shift := b * width
		bw := width
		if b == bands-1 {
			bw = 64 - shift
		}
		mask := uint64(1)<<bw - 1
		if bw == 64 {
			mask = ^uint64(0)
		}
		buckets := map[uint64][]int{}
		var keys []uint64
		for i, h := range hashes {
			k := (h >> shift) & mask
			if buckets[k] == nil {
				keys = append(keys, k)
			}
			buckets[k] = append(buckets[k], i)
		}
		for _, k := range keys {
			m := buckets[k]
			if len(m) > maxBucket {
				truncated += len(m) - maxBucket
				m = m[:maxBucket]
			}
			for x := 0; x < len(m); x++ {
				for y := x + 1; y < len(m); y++ {
					i, j := m[x], m[y]
					if bits.OnesCount64(hashes[i]^hashes[j]) <= maxDist && !seen[[2]int{i, j}] && confirm(i, j) {
						seen[[2]int{i, j}] = true
						pairs = append(pairs, [2]int{i, j})
					}
				}
			}
		}
	}
	return pairs, truncated
}

// unionFind groups indices joined by pairs.
type unionFind []int

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u unionFind) find(i int) int {
	for u[i] != i {
		u[i] = u[u[i]]
		i = u[i]
	}
	return i
}

func (u unionFind) join(i, j int) {
	a, b := u.find(i), u.find(j)
	if a < b {
		u[b] = a
	} else if b < a {
		u[a] = b
	}
}
