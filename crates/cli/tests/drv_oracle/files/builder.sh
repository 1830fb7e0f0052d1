#!/bin/sh
echo built > $out
