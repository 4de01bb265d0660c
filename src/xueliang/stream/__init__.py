"""stream domain: on-demand live relay (remux to HLS), snapshots, recording, playback, public links."""
