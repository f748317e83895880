//! Lesson 08: the demo's `random.randrange(9)` and `random.random()`, from
//! a seed.
//!
//! Python seeds its generator from the OS at start-up, so every run of the
//! course's restaurant differs. Ours takes `--seed`: each cook and each
//! eater rolls its own [`Dice`], seeded from the run's seed and its
//! thread number, so what one thread rolls does not depend on when the
//! others ran. (Which eater gets which meal still does: that is the OS
//! scheduler's choice, and the point of the lesson.)
//!
//! The generator is SplitMix64: a few lines, statistically fine for
//! sleeps and meal numbers, and not for anything secret.

/// A seeded source of the demo's random numbers.
#[derive(Clone, Debug)]
pub struct Dice {
    state: u64,
}

impl Dice {
    /// The dice of thread number `thread` in a run seeded with `seed`.
    pub fn new(seed: u64, thread: u64) -> Dice {
        let mut dice = Dice {
            state: seed ^ thread.wrapping_mul(0xA076_1D64_78BD_642F),
        };
        // Mix once, so that nearby seeds start far apart.
        dice.next_u64();
        dice
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `random.randrange(n)`: a whole number in `0..n`.
    pub fn randrange(&mut self, n: u32) -> u32 {
        // The top 32 bits times n, shifted: no modulo bias worth naming
        // for n = 9.
        (((self.next_u64() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// `random.random()`: a float in `[0, 1)`.
    pub fn random(&mut self) -> f64 {
        // 53 random bits, the precision of an f64, as CPython does.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::Dice;

    #[test]
    fn the_same_seed_and_thread_roll_the_same() {
        let roll = |seed, thread| {
            let mut dice = Dice::new(seed, thread);
            (0..20).map(|_| dice.randrange(9)).collect::<Vec<_>>()
        };
        assert_eq!(roll(7, 1), roll(7, 1));
        assert_ne!(roll(7, 1), roll(7, 2));
        assert!(roll(7, 1).iter().all(|&n| n < 9));
    }

    #[test]
    fn random_stays_in_zero_to_one() {
        let mut dice = Dice::new(1, 1);
        assert!(
            (0..1000)
                .map(|_| dice.random())
                .all(|x| (0.0..1.0).contains(&x))
        );
    }
}
