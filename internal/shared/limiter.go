package shared

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limit is a rate shared by the fleet: Rate events per Period, of which
// Burst may go at once (GCRA: the generic cell rate algorithm).
type Limit struct {
	Rate   int64
	Period time.Duration
	Burst  int64
}

// gcraScript is go-redis/redis_rate v10's GCRA, on Redis's own clock (so
// machines' clocks do not matter): KEYS[1] holds the theoretical arrival
// time; ARGV are burst, rate, period (seconds), cost. It returns allowed
// (0 or cost), remaining, retry_after and reset_after (seconds, strings).
var gcraScript = redis.NewScript(`
local key = KEYS[1]
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local emission_interval = period / rate
local increment = emission_interval * cost
local burst_offset = emission_interval * burst
local jan_1_2017 = 1483228800
local now = redis.call("TIME")
now = (now[1] - jan_1_2017) + (now[2] / 1000000)
local tat = redis.call("GET", key)
if not tat then tat = now else tat = tonumber(tat) end
tat = math.max(tat, now)
local new_tat = tat + increment
local allow_at = new_tat - burst_offset
local diff = now - allow_at
local remaining = diff / emission_interval
if remaining < 0 then
  return {0, 0, tostring(diff * -1), tostring(tat - now)}
end
local reset_after = new_tat - now
if reset_after > 0 then
  redis.call("SET", key, new_tat, "EX", math.ceil(reset_after))
end
return {cost, math.floor(remaining), "-1", tostring(reset_after)}`)

// Allow takes cost events of the limit named name for the fleet: ok, or
// how long until they would fit. A Redis that fails is preferred mode's
// warning (ok, local pacing only) or required mode's *Unavailable.
func (f *Fleet) Allow(ctx context.Context, name string, l Limit, cost int64) (ok bool, retryAfter time.Duration, err error) {
	if f.down.Load() || l.Rate <= 0 || l.Period <= 0 {
		return true, 0, nil
	}
	if l.Burst < 1 {
		l.Burst = 1
	}
	c, cancel := f.ctx(ctx)
	defer cancel()
	v, err := gcraScript.Run(c, f.rdb, []string{f.key("gcra", name)}, l.Burst, l.Rate, l.Period.Seconds(), cost).Slice()
	if err != nil {
		return true, 0, f.fail(err)
	}
	if n, _ := v[0].(int64); n > 0 {
		return true, 0, nil
	}
	s, _ := v[2].(string)
	sec, _ := strconv.ParseFloat(s, 64)
	return false, time.Duration(sec * float64(time.Second)), nil
}
