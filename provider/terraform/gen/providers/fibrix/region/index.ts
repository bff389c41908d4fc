// https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/region
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface RegionConfig extends cdktf.TerraformMetaArguments {
  /**
  * Region name, a DNS label. Changing it replaces the region.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/region#name Region#name}
  */
  readonly name: string;
  /**
  * DNS zone the region is authoritative for. Changing it replaces the region.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/region#dns_domain Region#dns_domain}
  */
  readonly dnsDomain: string;
  /**
  * Free text.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/region#description Region#description}
  */
  readonly description?: string;
  /**
  * TTL of the region's DNS records, in seconds (default 300).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/region#dns_ttl Region#dns_ttl}
  */
  readonly dnsTtl?: number;
  /**
  * On destroy, also delete the region's racks (which must have no machines left). Default false.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/region#force_destroy Region#force_destroy}
  */
  readonly forceDestroy?: boolean | cdktf.IResolvable;
}

/**
* Represents a {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/region fibrix_region}
*/
export class Region extends cdktf.TerraformResource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "fibrix_region";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a Region resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the Region to import
  * @param importFromId The id of the existing Region that should be imported. Refer to the {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/region#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the Region to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "fibrix_region", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/region fibrix_region} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options RegionConfig
  */
  public constructor(scope: Construct, id: string, config: RegionConfig) {
    super(scope, id, {
      terraformResourceType: 'fibrix_region',
      terraformGeneratorMetadata: {
        providerName: 'fibrix',
        providerVersion: '0.1.0',
        providerVersionConstraint: '~> 0.1.0'
      },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach
    });
    this._name = config.name;
    this._dnsDomain = config.dnsDomain;
    this._description = config.description;
    this._dnsTtl = config.dnsTtl;
    this._forceDestroy = config.forceDestroy;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // id - computed: true, optional: false, required: false
  public get id() {
    return this.getStringAttribute('id');
  }

  // name - computed: false, optional: false, required: true
  private _name?: string; 
  public get name() {
    return this.getStringAttribute('name');
  }
  public set name(value: string) {
    this._name = value;
  }
  // Temporarily expose input value. Use with caution.
  public get nameInput() {
    return this._name;
  }

  // dns_domain - computed: false, optional: false, required: true
  private _dnsDomain?: string; 
  public get dnsDomain() {
    return this.getStringAttribute('dns_domain');
  }
  public set dnsDomain(value: string) {
    this._dnsDomain = value;
  }
  // Temporarily expose input value. Use with caution.
  public get dnsDomainInput() {
    return this._dnsDomain;
  }

  // description - computed: true, optional: true, required: false
  private _description?: string; 
  public get description() {
    return this.getStringAttribute('description');
  }
  public set description(value: string) {
    this._description = value;
  }
  public resetDescription() {
    this._description = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get descriptionInput() {
    return this._description;
  }

  // dns_ttl - computed: true, optional: true, required: false
  private _dnsTtl?: number; 
  public get dnsTtl() {
    return this.getNumberAttribute('dns_ttl');
  }
  public set dnsTtl(value: number) {
    this._dnsTtl = value;
  }
  public resetDnsTtl() {
    this._dnsTtl = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get dnsTtlInput() {
    return this._dnsTtl;
  }

  // created_at - computed: true, optional: false, required: false
  public get createdAt() {
    return this.getStringAttribute('created_at');
  }

  // updated_at - computed: true, optional: false, required: false
  public get updatedAt() {
    return this.getStringAttribute('updated_at');
  }

  // version - computed: true, optional: false, required: false
  public get version() {
    return this.getNumberAttribute('version');
  }

  // nameservers - computed: true, optional: false, required: false
  public get nameservers() {
    return this.getListAttribute('nameservers');
  }

  // force_destroy - computed: false, optional: true, required: false
  private _forceDestroy?: boolean | cdktf.IResolvable; 
  public get forceDestroy() {
    return this.getBooleanAttribute('force_destroy');
  }
  public set forceDestroy(value: boolean | cdktf.IResolvable) {
    this._forceDestroy = value;
  }
  public resetForceDestroy() {
    this._forceDestroy = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get forceDestroyInput() {
    return this._forceDestroy;
  }

  // =========
  // SYNTHESIS
  // =========

  protected override synthesizeAttributes(): { [name: string]: any } {
    return {
      name: cdktf.stringToTerraform(this._name),
      dns_domain: cdktf.stringToTerraform(this._dnsDomain),
      description: cdktf.stringToTerraform(this._description),
      dns_ttl: cdktf.numberToTerraform(this._dnsTtl),
      force_destroy: cdktf.booleanToTerraform(this._forceDestroy),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      name: {
        value: cdktf.stringToHclTerraform(this._name),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      dns_domain: {
        value: cdktf.stringToHclTerraform(this._dnsDomain),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      description: {
        value: cdktf.stringToHclTerraform(this._description),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      dns_ttl: {
        value: cdktf.numberToHclTerraform(this._dnsTtl),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      force_destroy: {
        value: cdktf.booleanToHclTerraform(this._forceDestroy),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
