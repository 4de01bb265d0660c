"""Operations and maintenance (运维): device health and online rate, video quality diagnosis, alarms,
maintenance work orders and the contractor's monthly assessment. See docs/ops.md."""
