{
  "targets": [
    {
      "target_name": "diff_kernel",
      "sources": ["native/diff-kernel.cc"],
      "cflags_cc": ["-O3", "-std=c++17"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"] }
    }
  ]
}
