"""Generate a synthetic county at the size of DOMAIN.md, for benchmarks."""

from django.core.management.base import BaseCommand, CommandError

from registry.demo import DEMO_PASSWORD
from reports.synthetic import (
    DEFAULT_CHILDREN,
    DEFAULT_COUNTY_NAME,
    DEFAULT_SEED,
    CountyExists,
    CountySpec,
    NotSynthetic,
    generate_county,
)


class Command(BaseCommand):
    help = (
        "Generate a synthetic county on the configured database: townships, schools, staff, "
        "classes, terms, children with families and registry episodes, pairings, a year of "
        "contact logs and concerns. 25,000 children (and ~1,000,000 logs) by default; "
        "everything scales from --children."
    )

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=DEFAULT_CHILDREN,
                            help=f"registered children (default {DEFAULT_CHILDREN:,})")
        parser.add_argument("--schools", type=int,
                            help="schools (default: one per ~83 children)")
        parser.add_argument("--townships", type=int,
                            help="townships (default: one per ~15 schools)")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                            help=f"random seed: the same seed gives the same county "
                                 f"(default {DEFAULT_SEED})")
        parser.add_argument("--county-name", default=DEFAULT_COUNTY_NAME,
                            help=f"the county's name (default {DEFAULT_COUNTY_NAME})")
        parser.add_argument("--password", default=DEMO_PASSWORD,
                            help="every account's password (default: the demo's)")
        parser.add_argument("--replace", action="store_true",
                            help="delete an earlier synthetic county of that name first")

    def handle(self, *args, **options):
        spec = CountySpec(
            name=options["county_name"], children=options["children"],
            schools=options["schools"], townships=options["townships"], seed=options["seed"],
            password=options["password"],
        )
        try:
            spec.resolved()
        except ValueError as error:
            raise CommandError(str(error)) from error
        progress = self.stdout.write if options["verbosity"] >= 1 else None
        if progress:
            progress(f"Generating the synthetic county {spec.name} (seed {spec.seed}, "
                     f"{spec.children:,} children) ...")
        try:
            result = generate_county(spec, replace=options["replace"], progress=progress)
        except CountyExists as error:
            raise CommandError(
                f"A county named {error} already exists. Run again with --replace to delete "
                f"that synthetic county and generate it afresh, or choose another "
                f"--county-name."
            ) from error
        except NotSynthetic as error:
            raise CommandError(
                f"The county named {error} was not made by generate_county: it is never "
                f"deleted. Choose another --county-name."
            ) from error
        counts = result.counts
        self.stdout.write(self.style.SUCCESS(
            f"Done in {result.seconds:.1f}s: {result.county.name} (code {result.county.code}), "
            f"{counts['townships']} townships, {counts['schools']} schools, "
            f"{counts['classes']:,} classes, {counts['staff']:,} staff, "
            f"{counts['children']:,} children ({counts['on_registry']:,} on the registry), "
            f"{counts['episodes']:,} episodes, {counts['pairings']:,} pairings, "
            f"{counts['contact_logs']:,} contact logs, {counts['concerns']:,} concerns."
        ))
        self.stdout.write(f"\nLog in with the password {spec.password}:")
        for username, who in result.logins:
            self.stdout.write(f"  {username:<26} {who}")
