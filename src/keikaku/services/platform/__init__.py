"""The co-creation platform (issue 13): consultations, seeds–needs matching, interviews, かんさいラボサーチ."""
