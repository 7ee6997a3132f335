//! Australian postcodes and the state or territory they belong to, from the
//! Australia Post allocation ranges (including the non-contiguous ones such as the
//! ACT's 2600–2618 / 2900–2920 inside NSW's 2000–2999, and the large-volume-receiver
//! blocks 1xxx NSW, 8xxx VIC, 9xxx QLD).

use super::error::{ValueError, ValueErrorCode, required, spelled};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The eight states and territories used in Australian addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AuState {
    Nsw,
    Vic,
    Qld,
    Sa,
    Wa,
    Tas,
    Nt,
    Act,
}

impl AuState {
    pub const ALL: [AuState; 8] = [
        AuState::Nsw,
        AuState::Vic,
        AuState::Qld,
        AuState::Sa,
        AuState::Wa,
        AuState::Tas,
        AuState::Nt,
        AuState::Act,
    ];

    /// Accepts the abbreviation ("NSW", "vic") as written on an address.
    pub fn parse(input: &str) -> Result<AuState, ValueError> {
        let s = required(input, "a state")?;
        spelled(&AuState::ALL, AuState::as_str, s).ok_or_else(|| {
            ValueError::new(
                ValueErrorCode::OutOfRange,
                format!("'{s}' is not an Australian state or territory"),
            )
        })
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            AuState::Nsw => "NSW",
            AuState::Vic => "VIC",
            AuState::Qld => "QLD",
            AuState::Sa => "SA",
            AuState::Wa => "WA",
            AuState::Tas => "TAS",
            AuState::Nt => "NT",
            AuState::Act => "ACT",
        }
    }
}

impl fmt::Display for AuState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Allocation ranges (inclusive) per state; later ranges do not overlap earlier ones.
const RANGES: &[(u16, u16, AuState)] = &[
    (200, 299, AuState::Act),
    (800, 999, AuState::Nt),
    (1000, 1999, AuState::Nsw),
    (2000, 2599, AuState::Nsw),
    (2600, 2618, AuState::Act),
    (2619, 2899, AuState::Nsw),
    (2900, 2920, AuState::Act),
    (2921, 2999, AuState::Nsw),
    (3000, 3999, AuState::Vic),
    (8000, 8999, AuState::Vic),
    (4000, 4999, AuState::Qld),
    (9000, 9999, AuState::Qld),
    (5000, 5999, AuState::Sa),
    (6000, 6999, AuState::Wa),
    (7000, 7999, AuState::Tas),
];

/// Postcodes whose localities straddle a border: the postcode also serves these
/// states besides its allocated one (e.g. Hume ACT is 2620, Barooga NSW is 3644).
const CROSS_BORDER: &[(u16, &[AuState])] = &[
    (872, &[AuState::Sa, AuState::Wa]),
    (2406, &[AuState::Qld]),
    (2611, &[AuState::Nsw]),
    (2618, &[AuState::Nsw]),
    (2620, &[AuState::Act]),
    (3585, &[AuState::Nsw]),
    (3586, &[AuState::Nsw]),
    (3644, &[AuState::Nsw]),
    (3691, &[AuState::Nsw]),
    (3707, &[AuState::Nsw]),
    (4375, &[AuState::Nsw]),
    (4377, &[AuState::Nsw]),
    (4380, &[AuState::Nsw]),
    (4383, &[AuState::Nsw]),
    (4385, &[AuState::Nsw]),
];

/// The state a postcode is allocated to, or `None` when it is unallocated.
pub fn state_for_postcode(code: u16) -> Option<AuState> {
    RANGES
        .iter()
        .find(|(lo, hi, _)| (*lo..=*hi).contains(&code))
        .map(|(_, _, st)| *st)
}

/// Every state a postcode may appear with on a valid address (allocated state first).
pub fn states_for_postcode(code: u16) -> Vec<AuState> {
    let mut out: Vec<AuState> = state_for_postcode(code).into_iter().collect();
    if let Some((_, extra)) = CROSS_BORDER.iter().find(|(c, _)| *c == code) {
        out.extend(extra.iter().copied());
    }
    out
}

/// A 4-digit allocated Australian postcode together with its state.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Postcode {
    code: String,
    state: AuState,
}

impl Postcode {
    /// Exactly four digits (leading zero kept: "0800"), allocated to some state;
    /// the state is the allocated one.
    pub fn parse(input: &str) -> Result<Postcode, ValueError> {
        let s = required(input, "a postcode")?;
        if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValueError::new(
                ValueErrorCode::InvalidPostcode,
                format!("'{s}' is not a postcode: an Australian postcode has 4 digits"),
            ));
        }
        let n: u16 = s.parse().map_err(|_| {
            ValueError::new(ValueErrorCode::InvalidPostcode, "postcode is not a number")
        })?;
        let state = state_for_postcode(n).ok_or_else(|| {
            ValueError::new(
                ValueErrorCode::InvalidPostcode,
                format!("{s} is not an allocated Australian postcode"),
            )
        })?;
        Ok(Postcode {
            code: s.to_string(),
            state,
        })
    }

    /// Parses a postcode given with a state on an address and checks they agree
    /// (cross-border postcodes accept each state they serve).
    pub fn parse_for_state(input: &str, state: AuState) -> Result<Postcode, ValueError> {
        let pc = Postcode::parse(input)?;
        if !states_for_postcode(pc.number()).contains(&state) {
            return Err(ValueError::new(
                ValueErrorCode::PostcodeStateMismatch,
                format!("postcode {} is in {}, not {state}", pc.code, pc.state),
            ));
        }
        Ok(Postcode { state, ..pc })
    }

    /// The four digits, e.g. "0800".
    pub fn as_str(&self) -> &str {
        &self.code
    }

    pub fn number(&self) -> u16 {
        self.code.parse().unwrap_or(0)
    }

    pub fn state(&self) -> AuState {
        self.state
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitals_and_non_contiguous_ranges() {
        let cases = [
            ("2000", AuState::Nsw), // Sydney
            ("1225", AuState::Nsw), // Sydney LVR
            ("3000", AuState::Vic), // Melbourne
            ("8001", AuState::Vic),
            ("4000", AuState::Qld), // Brisbane
            ("9726", AuState::Qld), // Gold Coast LVR
            ("5000", AuState::Sa),
            ("6000", AuState::Wa),
            ("6798", AuState::Wa), // Christmas Island
            ("7000", AuState::Tas),
            ("0800", AuState::Nt), // Darwin
            ("0872", AuState::Nt),
            ("0200", AuState::Act), // ANU
            ("2600", AuState::Act), // Canberra
            ("2618", AuState::Act),
            ("2619", AuState::Nsw),
            ("2620", AuState::Nsw), // Queanbeyan
            ("2900", AuState::Act), // Tuggeranong
            ("2914", AuState::Act),
            ("2920", AuState::Act),
            ("2921", AuState::Nsw),
            ("2899", AuState::Nsw), // Norfolk Island
        ];
        for (code, state) in cases {
            let pc = Postcode::parse(code).unwrap();
            assert_eq!(pc.state(), state, "{code}");
            assert_eq!(pc.as_str(), code);
        }
    }

    #[test]
    fn refuses_bad_postcodes() {
        for bad in [
            "800", "20000", "2OOO", "abcd", "0100", "0300", "0799", "0000",
        ] {
            assert_eq!(
                Postcode::parse(bad).unwrap_err().code,
                ValueErrorCode::InvalidPostcode,
                "{bad}"
            );
        }
        assert_eq!(
            Postcode::parse(" ").unwrap_err().code,
            ValueErrorCode::Required
        );
    }

    #[test]
    fn state_must_match_except_across_borders() {
        assert_eq!(
            Postcode::parse_for_state("2000", AuState::Vic)
                .unwrap_err()
                .code,
            ValueErrorCode::PostcodeStateMismatch
        );
        assert_eq!(
            Postcode::parse_for_state("2600", AuState::Nsw)
                .unwrap_err()
                .code,
            ValueErrorCode::PostcodeStateMismatch
        );
        // Hume ACT 2620, Barooga NSW 3644, Jennings NSW 4383.
        assert_eq!(
            Postcode::parse_for_state("2620", AuState::Act)
                .unwrap()
                .state(),
            AuState::Act
        );
        assert_eq!(
            Postcode::parse_for_state("3644", AuState::Nsw)
                .unwrap()
                .state(),
            AuState::Nsw
        );
        assert!(Postcode::parse_for_state("4383", AuState::Nsw).is_ok());
        assert!(Postcode::parse_for_state("0872", AuState::Wa).is_ok());
        assert!(Postcode::parse_for_state("3000", AuState::Vic).is_ok());
    }

    #[test]
    fn every_allocated_number_has_one_range() {
        for n in 0..=9999u16 {
            let hits = RANGES
                .iter()
                .filter(|(lo, hi, _)| (*lo..=*hi).contains(&n))
                .count();
            assert!(hits <= 1, "{n} in {hits} ranges");
        }
        for (code, _) in CROSS_BORDER {
            assert!(state_for_postcode(*code).is_some(), "{code}");
        }
    }

    #[test]
    fn parses_state_names() {
        assert_eq!(AuState::parse("nsw").unwrap(), AuState::Nsw);
        assert_eq!(AuState::parse("ACT").unwrap().to_string(), "ACT");
        assert_eq!(
            AuState::parse("NZ").unwrap_err().code,
            ValueErrorCode::OutOfRange
        );
    }
}
