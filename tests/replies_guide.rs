//! The communication guide: the built-in guide, user files layered on it, and their check.

use calma::domain::Lang;
use calma::replies::{BUILTIN_GUIDE, Guide, check_guide};

#[test]
fn builtin_guide_passes_its_own_check_without_warnings() {
    let summary = match check_guide(BUILTIN_GUIDE) {
        Ok(s) => s,
        Err(errors) => panic!("{}", errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")),
    };
    let warnings: Vec<String> = summary.warnings.iter().map(|w| w.to_string()).collect();
    assert!(warnings.is_empty(), "{}", warnings.join("\n"));
    assert_eq!(summary.languages, vec![Lang::En, Lang::Es, Lang::Ru, Lang::Nl]);
    let _ = Guide::builtin();
}
