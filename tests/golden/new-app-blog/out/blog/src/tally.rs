//! A tally: a count that moves by a step and stays within bounds. Domain code: it knows
//! nothing about the web.

/// The largest distance from zero a tally goes.
pub const LIMIT: i64 = 1_000_000;

/// A bounded count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    value: i64,
}

/// Why a step was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TallyError {
    /// The step would leave `-LIMIT..=LIMIT`.
    OutOfBounds,
}

impl std::fmt::Display for TallyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the tally stays within ±{LIMIT}")
    }
}

impl std::error::Error for TallyError {}

impl Tally {
    /// The count.
    pub fn value(&self) -> i64 {
        self.value
    }

    /// Moves the count by `step`, or refuses and leaves it as it was.
    pub fn add(&mut self, step: i64) -> Result<i64, TallyError> {
        let next = self.value.checked_add(step).filter(|v| v.abs() <= LIMIT);
        self.value = next.ok_or(TallyError::OutOfBounds)?;
        Ok(self.value)
    }

    /// Back to zero.
    pub fn reset(&mut self) {
        self.value = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_move_the_count_within_bounds() {
        let mut tally = Tally::default();
        assert_eq!(tally.add(5), Ok(5));
        assert_eq!(tally.add(-7), Ok(-2));
        assert_eq!(tally.add(LIMIT + 3), Err(TallyError::OutOfBounds));
        assert_eq!(tally.value(), -2, "a refused step changes nothing");
        assert_eq!(tally.add(i64::MAX), Err(TallyError::OutOfBounds));
        tally.reset();
        assert_eq!(tally.value(), 0);
    }
}
