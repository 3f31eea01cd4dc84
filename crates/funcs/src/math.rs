//! Sprig's arithmetic (`functions.go`, `numeric.go`).
//!
//! Integer math converts every operand with `cast.ToInt64` (floats
//! truncate, strings parse, garbage is 0) and wraps on overflow like Go.
//! The `…f` family goes through `shopspring/decimal`: each float is turned
//! into the decimal of its shortest representation, so `addf 0.1 0.2` is
//! exactly 0.3; division rounds half away from zero at 16 decimal places.

use gotmpl::{FuncError, FuncMap, ParamType as P, Value};

use crate::cast::{arg_int, to_float64, to_int64};

const DIV_ZERO: &str = "runtime error: integer divide by zero";

/// A finite decimal `m × 10^e`; falls back to f64 when i128 overflows.
#[derive(Clone, Copy, Debug)]
enum Dec {
    Exact(i128, i32),
    Approx(f64),
}

impl Dec {
    fn from_f64(f: f64) -> Result<Dec, FuncError> {
        if !f.is_finite() {
            let s = if f.is_nan() {
                "NaN"
            } else if f > 0.0 {
                "+Inf"
            } else {
                "-Inf"
            };
            return Err(format!("Cannot create a Decimal from {s}").into());
        }
        // `{:e}` prints the shortest round-trip digits: "1.5e0", "-3e-7".
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let frac_len = mant.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
        let digits: String = mant.chars().filter(|c| *c != '.').collect();
        Ok(match digits.parse::<i128>() {
            Ok(m) => Dec::Exact(m, exp - frac_len),
            Err(_) => Dec::Approx(f),
        })
    }

    fn to_f64(self) -> f64 {
        match self {
            Dec::Exact(m, e) => format!("{m}e{e}").parse().unwrap_or(0.0),
            Dec::Approx(f) => f,
        }
    }

    /// Both operands at a common exponent.
    fn align(a: (i128, i32), b: (i128, i32)) -> Option<(i128, i128, i32)> {
        let e = a.1.min(b.1);
        let sa = a.0.checked_mul(pow10(a.1 - e)?)?;
        let sb = b.0.checked_mul(pow10(b.1 - e)?)?;
        Some((sa, sb, e))
    }

    fn op(self, o: Dec, which: Op) -> Result<Dec, FuncError> {
        let exact = match (self, o) {
            (Dec::Exact(m1, e1), Dec::Exact(m2, e2)) => match which {
                Op::Add => Dec::align((m1, e1), (m2, e2))
                    .and_then(|(a, b, e)| Some(Dec::Exact(a.checked_add(b)?, e))),
                Op::Sub => Dec::align((m1, e1), (m2, e2))
                    .and_then(|(a, b, e)| Some(Dec::Exact(a.checked_sub(b)?, e))),
                Op::Mul => m1.checked_mul(m2).map(|m| Dec::Exact(m, e1 + e2)),
                Op::Div => {
                    if m2 == 0 {
                        return Err("decimal division by 0".into());
                    }
                    div_round(m1, e1, m2, e2)
                }
            },
            _ => None,
        };
        if let Some(d) = exact {
            return Ok(d);
        }
        let (x, y) = (self.to_f64(), o.to_f64());
        if matches!(which, Op::Div) && y == 0.0 {
            return Err("decimal division by 0".into());
        }
        Ok(Dec::Approx(match which {
            Op::Add => x + y,
            Op::Sub => x - y,
            Op::Mul => x * y,
            Op::Div => x / y,
        }))
    }
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

fn pow10(n: i32) -> Option<i128> {
    if !(0..=38).contains(&n) {
        return None;
    }
    10i128.checked_pow(n as u32)
}

/// `DivRound(d2, 16)`: quotient to 16 places, half away from zero.
fn div_round(m1: i128, e1: i32, m2: i128, e2: i32) -> Option<Dec> {
    const PREC: i32 = 16;
    let k = e1 - e2 + PREC;
    let (num, den) = if k >= 0 {
        (m1.checked_mul(pow10(k)?)?, m2)
    } else {
        (m1, m2.checked_mul(pow10(-k)?)?)
    };
    let (q, r) = (num / den, num % den);
    let q = if r.unsigned_abs().checked_mul(2)? >= den.unsigned_abs() {
        if (num < 0) != (den < 0) {
            q - 1
        } else {
            q + 1
        }
    } else {
        q
    };
    Some(Dec::Exact(q, -PREC))
}

fn decimal_op(first: &Value, rest: &[Value], op: Op) -> Result<Value, FuncError> {
    let mut acc = Dec::from_f64(to_float64(first))?;
    for x in rest {
        acc = acc.op(Dec::from_f64(to_float64(x))?, op)?;
    }
    Ok(Value::Float(acc.to_f64()))
}

/// Go's `math.Max` / `math.Min` (NaN and signed-zero rules).
fn go_max(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x > 0.0 || y.is_infinite() && y > 0.0 {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { y } else { x };
    }
    if x > y {
        x
    } else {
        y
    }
}

fn go_min(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x < 0.0 || y.is_infinite() && y < 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { x } else { y };
    }
    if x < y {
        x
    } else {
        y
    }
}

/// Sprig's `round`: half-up at `roundOn` (default .5) on `val × 10^places`.
fn round(val: f64, places: i64, round_on: f64) -> f64 {
    let pow = 10f64.powf(places as f64);
    let digit = pow * val;
    let div = digit.fract();
    let r = if div >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    r / pow
}

/// Upper bound on `until`/`untilStep`/`seq` lengths (Go would exhaust memory).
const MAX_RANGE: i64 = 10_000_000;

/// Sprig's `untilStep`.
fn until_step(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, FuncError> {
    let mut v = Vec::new();
    let count = if stop < start {
        if step >= 0 {
            return Ok(v);
        }
        (start as i128 - stop as i128 + (-step as i128) - 1) / (-step as i128)
    } else {
        if step <= 0 {
            return Ok(v);
        }
        (stop as i128 - start as i128 + step as i128 - 1) / step as i128
    };
    if count > MAX_RANGE as i128 {
        return Err("runtime error: makeslice: len out of range".into());
    }
    let mut i = start;
    for _ in 0..count {
        v.push(i);
        i = i.wrapping_add(step);
    }
    Ok(v)
}

fn int_list(v: Vec<i64>) -> Value {
    Value::list(v.into_iter().map(Value::int).collect())
}

/// Sprig's `seq`: like GNU seq, returned as a space-separated string.
fn seq(p: &[i64]) -> Result<String, FuncError> {
    let (start, end, step) = match *p {
        [end] => {
            let inc = if end < 1 { -1 } else { 1 };
            (1, end.wrapping_add(inc), inc)
        }
        [start, end] => {
            let inc = if end < start { -1 } else { 1 };
            (start, end.wrapping_add(inc), inc)
        }
        [start, step, end] => {
            let inc = if end < start {
                if step > 0 {
                    return Ok(String::new());
                }
                -1
            } else {
                if step < 0 {
                    return Ok(String::new());
                }
                1
            };
            (start, end.wrapping_add(inc), step)
        }
        _ => return Ok(String::new()),
    };
    let v = until_step(start, end, step)?;
    let parts: Vec<String> = v.iter().map(i64::to_string).collect();
    Ok(parts.join(" "))
}

pub fn register(m: &mut FuncMap) {
    m.add("add1", &[P::Any], None, |a| {
        Ok(Value::int64(to_int64(&a[0]).wrapping_add(1)))
    });
    m.add("add", &[], Some(P::Any), |a| {
        Ok(Value::int64(
            a.iter().fold(0i64, |acc, x| acc.wrapping_add(to_int64(x))),
        ))
    });
    m.add("sub", &[P::Any, P::Any], None, |a| {
        Ok(Value::int64(to_int64(&a[0]).wrapping_sub(to_int64(&a[1]))))
    });
    m.add("div", &[P::Any, P::Any], None, |a| {
        let d = to_int64(&a[1]);
        if d == 0 {
            return Err(DIV_ZERO.into());
        }
        Ok(Value::int64(to_int64(&a[0]).wrapping_div(d)))
    });
    m.add("mod", &[P::Any, P::Any], None, |a| {
        let d = to_int64(&a[1]);
        if d == 0 {
            return Err(DIV_ZERO.into());
        }
        Ok(Value::int64(to_int64(&a[0]).wrapping_rem(d)))
    });
    m.add("mul", &[P::Any], Some(P::Any), |a| {
        Ok(Value::int64(
            a[1..]
                .iter()
                .fold(to_int64(&a[0]), |acc, x| acc.wrapping_mul(to_int64(x))),
        ))
    });
    m.add("add1f", &[P::Any], None, |a| {
        decimal_op(&a[0], &[Value::int(1)], Op::Add)
    });
    m.add("addf", &[], Some(P::Any), |a| {
        decimal_op(&Value::Float(0.0), a, Op::Add)
    });
    m.add("subf", &[P::Any], Some(P::Any), |a| {
        decimal_op(&a[0], &a[1..], Op::Sub)
    });
    m.add("mulf", &[P::Any], Some(P::Any), |a| {
        decimal_op(&a[0], &a[1..], Op::Mul)
    });
    m.add("divf", &[P::Any], Some(P::Any), |a| {
        decimal_op(&a[0], &a[1..], Op::Div)
    });
    for name in ["max", "biggest"] {
        m.add(name, &[P::Any], Some(P::Any), |a| {
            Ok(Value::int64(a.iter().map(to_int64).max().unwrap_or(0)))
        });
    }
    m.add("min", &[P::Any], Some(P::Any), |a| {
        Ok(Value::int64(a.iter().map(to_int64).min().unwrap_or(0)))
    });
    m.add("maxf", &[P::Any], Some(P::Any), |a| {
        Ok(Value::Float(
            a[1..]
                .iter()
                .fold(to_float64(&a[0]), |acc, x| go_max(acc, to_float64(x))),
        ))
    });
    m.add("minf", &[P::Any], Some(P::Any), |a| {
        Ok(Value::Float(
            a[1..]
                .iter()
                .fold(to_float64(&a[0]), |acc, x| go_min(acc, to_float64(x))),
        ))
    });
    m.add("floor", &[P::Any], None, |a| {
        Ok(Value::Float(to_float64(&a[0]).floor()))
    });
    m.add("ceil", &[P::Any], None, |a| {
        Ok(Value::Float(to_float64(&a[0]).ceil()))
    });
    m.add("round", &[P::Any, P::Int], Some(P::Float64), |a| {
        let on = a.get(2).map_or(0.5, crate::cast::arg_float);
        Ok(Value::Float(round(to_float64(&a[0]), arg_int(&a[1]), on)))
    });
    m.add("until", &[P::Int], None, |a| {
        let n = arg_int(&a[0]);
        Ok(int_list(until_step(0, n, if n < 0 { -1 } else { 1 })?))
    });
    m.add("untilStep", &[P::Int, P::Int, P::Int], None, |a| {
        Ok(int_list(until_step(
            arg_int(&a[0]),
            arg_int(&a[1]),
            arg_int(&a[2]),
        )?))
    });
    m.add("seq", &[], Some(P::Int), |a| {
        let p: Vec<i64> = a.iter().map(arg_int).collect();
        Ok(Value::string(seq(&p)?))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn f(name: &str, args: &[Value]) -> f64 {
        match call(name, args).unwrap() {
            Value::Float(x) => x,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ints() {
        assert_eq!(
            v("add", &["3".into(), Value::int(4), Value::Float(1.9)]),
            "8"
        );
        assert_eq!(
            v("add", &[Value::int(i64::MAX), Value::int(1)]),
            i64::MIN.to_string()
        );
        assert_eq!(err("div", &[Value::int(1), Value::int(0)]), DIV_ZERO);
        assert_eq!(v("mod", &[Value::int(-7), Value::int(3)]), "-1");
        assert_eq!(v("max", &["3".into(), "10".into()]), "10");
        assert_eq!(v("min", &[Value::int(3), Value::int(-1)]), "-1");
    }

    #[test]
    fn floats() {
        assert_eq!(f("addf", &[Value::Float(0.1), Value::Float(0.2)]), 0.3);
        assert_eq!(f("mulf", &[Value::Float(0.1), Value::int(3)]), 0.3);
        assert_eq!(
            f("divf", &[Value::int(1), Value::int(3)]),
            0.3333333333333333
        );
        assert_eq!(
            f("divf", &[Value::int(2), Value::int(3)]),
            0.6666666666666667
        );
        assert_eq!(
            f(
                "subf",
                &[Value::int(5), Value::Float(1.5), Value::Float(0.5)]
            ),
            3.0
        );
        assert_eq!(
            err("divf", &[Value::int(1), Value::int(0)]),
            "decimal division by 0"
        );
        assert_eq!(
            f("addf", &[Value::Float(1e300), Value::Float(1e-300)]),
            1e300
        );
        assert_eq!(round(1.2345, 2, 0.5), 1.23);
        assert_eq!(round(-2.5, 0, 0.5), -3.0);
        assert_eq!(round(1.005, 2, 0.5), 1.0);
        assert_eq!(round(1.45, 1, 0.6), 1.4);
    }

    #[test]
    fn ranges() {
        assert_eq!(seq(&[5]).unwrap(), "1 2 3 4 5");
        assert_eq!(seq(&[0]).unwrap(), "1 0");
        assert_eq!(seq(&[10, -3, 1]).unwrap(), "10 7 4 1");
        assert_eq!(seq(&[1, -1, 5]).unwrap(), "");
        assert_eq!(until_step(10, 0, -4).unwrap(), vec![10, 6, 2]);
        assert_eq!(until_step(0, 5, -1).unwrap(), Vec::<i64>::new());
        assert_eq!(v("until", &[Value::int(-2)]), "[0 -1]");
    }
}
