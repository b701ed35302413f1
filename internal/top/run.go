package top

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/gdamore/tcell/v2"

	"hpp/internal/profile"
	"hpp/internal/sampler"
	"hpp/internal/timemode"
)

// Config says what to sample and how to show it.
type Config struct {
	Target   *sampler.Target
	Rate     float64       // samples per second per thread
	Interval time.Duration // one recording, and one refresh
	View     View
	NumCPU   int
	Escape   Escape
	Source   Source // the text of source lines, for the lines view; nil: none
	// Subprocesses samples the target's Python descendants too.
	Subprocesses bool
	// Write saves what was sampled so far (the r key) and says where.
	Write func(*profile.Profile) (string, error)
	// Note ends the status line (where a started program's output goes).
	Note string
}

type chunk struct {
	p     *profile.Profile
	stats sampler.RecordStats
	err   error
}

// sample records until ctx ends or the process exits, handing over a
// chunk every interval, and closes the channel. One recording, flushed
// every interval, keeps what the sampler knows of each thread between
// samples (a thread woken to take the GIL still waits for it).
func sample(ctx context.Context, c *Config) <-chan chunk {
	ch := make(chan chunk, 1)
	send := func(k chunk) {
		select {
		case ch <- k:
		case <-ctx.Done():
		}
	}
	go func() {
		defer close(ch)
		var sum sampler.RecordStats // of the parts handed over
		o := sampler.RecordOptions{
			Rate: c.Rate, FlushEvery: c.Interval,
			Flush: func(p *profile.Profile, st sampler.RecordStats) {
				sum.Ticks += st.Ticks
				sum.Torn += st.Torn
				sum.Elapsed += st.Elapsed
				send(chunk{p, st, nil})
			},
		}
		var (
			p   *profile.Profile
			st  sampler.RecordStats
			err error
		)
		if c.Subprocesses {
			var gs sampler.GroupStats
			p, gs, err = sampler.RecordGroup(ctx, c.Target.PID, o)
			st = gs.RecordStats
		} else {
			p, st, err = c.Target.Record(ctx, o)
		}
		if ctx.Err() == nil {
			// Record's counts cover the whole recording; the last part
			// is what the parts do not.
			st.Ticks -= sum.Ticks
			st.Torn -= sum.Torn
			st.Elapsed -= sum.Elapsed
			send(chunk{p, st, err})
		}
	}()
	return ch
}

func (c *Config) model() *Model {
	m := NewModel(c.Target.PID, c.Target.Version, c.NumCPU)
	m.Interval = c.Interval
	m.HostTIDs = c.Target.HostTIDs
	return m
}

func (m *Model) take(k chunk) error {
	if k.err != nil {
		return k.err
	}
	m.Add(k.p, k.stats.Ticks, k.stats.Torn, k.stats.Elapsed)
	if k.stats.Exited {
		m.Exited = true
	}
	return nil
}

// Profile merges what was sampled so far into one profile.
func (m *Model) Profile() *profile.Profile {
	return profile.Merge(m.Chunks...)
}

// Plain prints a snapshot of the whole table every interval until ctx
// ends or the process exits: hpp top without a terminal.
func Plain(ctx context.Context, c *Config, w io.Writer) error {
	m := c.model()
	for k := range sample(ctx, c) {
		if err := m.take(k); err != nil {
			return err
		}
		for _, l := range m.RenderSource(c.View, 0, 0, c.Escape, c.Source) {
			fmt.Fprintln(w, l)
		}
		fmt.Fprintln(w)
	}
	return nil
}

// Interactive draws the view on screen and follows the keys until q,
// Ctrl-C or ctx's end. The target is left running.
func Interactive(ctx context.Context, c *Config, s tcell.Screen) error {
	if err := s.Init(); err != nil {
		return err
	}
	defer s.Fini()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := make(chan tcell.Event, 16)
	go func() {
		for {
			ev := s.PollEvent()
			if ev == nil {
				close(events)
				return
			}
			select {
			case events <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	m := c.model()
	v := c.View
	chunks := sample(ctx, c)
	status := "sampling..."
	// While paused, chunks wait in pending: the numbers stand still, but
	// the keys still sort, filter and switch modes over them.
	var pending []chunk
	draw := func() {
		w, h := s.Size()
		lines := m.RenderSource(v, w, h-1, c.Escape, c.Source)
		s.Clear()
		for y, l := range lines {
			put(s, 0, y, l, tcell.StyleDefault)
		}
		put(s, 0, h-1, status+c.Note, tcell.StyleDefault.Reverse(true))
		s.Show()
	}
	draw()
	for {
		select {
		case <-ctx.Done():
			return nil
		case k, ok := <-chunks:
			if !ok {
				chunks = nil
				status = "sampling stopped"
				if m.Exited {
					status = "the process exited; q quits"
				}
				draw()
				continue
			}
			if v.Paused {
				pending = append(pending, k)
				continue
			}
			if err := m.take(k); err != nil {
				status = "hpp: " + err.Error()
			} else if !m.Exited {
				status = fmt.Sprintf("%d samples, %d torn, %.0f rounds/s", m.Samples, m.Torn, k.stats.Achieved)
			}
			draw()
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			switch ev := ev.(type) {
			case *tcell.EventResize:
				s.Sync()
			case *tcell.EventKey:
				if ev.Key() == tcell.KeyCtrlC || ev.Key() == tcell.KeyEscape {
					return nil
				}
				if ev.Key() != tcell.KeyRune {
					break
				}
				switch r := ev.Rune(); r {
				case 'q':
					return nil
				case 'o':
					v.Sort = ByOwn
				case 't':
					v.Sort = ByTotal
				case 'n':
					v.Sort = ByName
				case 'm':
					v.Mode = (v.Mode + 1) % 3
				case 'w':
					v.Mode = timemode.Wall
				case 'c':
					v.Mode = timemode.CPU
				case 'g':
					v.Mode = timemode.GIL
				case 'i':
					v.Idle = !v.Idle
				case 'P':
					// The next process, then all again.
					v.Process = (v.Process + 1) % (m.NumProcesses() + 1)
				case 'l':
					v.Lines = !v.Lines
				case 'p', ' ':
					v.Paused = !v.Paused
					if !v.Paused {
						for _, k := range pending {
							if err := m.take(k); err != nil {
								status = "hpp: " + err.Error()
							}
						}
						pending = nil
					}
				case 'r':
					if c.Write == nil {
						break
					}
					all := m.Profile()
					if len(pending) > 0 {
						ps := []*profile.Profile{all}
						for _, k := range pending {
							if k.p != nil {
								ps = append(ps, k.p)
							}
						}
						all = profile.Merge(ps...)
					}
					if path, err := c.Write(all); err != nil {
						status = "hpp: " + err.Error()
					} else {
						status = "wrote " + c.Escape(path)
					}
				default:
					if r >= '0' && r <= '9' {
						v.Thread = int(r - '0')
					}
				}
			}
			draw()
		}
	}
}

// put writes a line of text at (x, y), one cell per rune, wide runes
// taking two.
func put(s tcell.Screen, x, y int, text string, st tcell.Style) {
	for _, r := range text {
		s.SetContent(x, y, r, nil, st)
		x += runeWidth(r)
	}
}
